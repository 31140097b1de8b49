import { FlotillaError } from '../../errors.js';
import type { GlobalOptions } from '../options.js';
import { renderTable } from './output.js';

interface LsFlags {
  all?: boolean;
  filter: string[];
  format: 'table' | 'json';
  quiet?: boolean;
}

export async function runLs(flags: GlobalOptions & LsFlags): Promise<void> {
  const { listProjects } = await import('../../api/ls.js');
  let nameFilter: string | undefined;
  for (const filter of flags.filter) {
    const match = /^name=(.*)$/.exec(filter);
    if (!match) throw new FlotillaError(`invalid filter "${filter}"`, { hint: 'the only filter is name=...' });
    nameFilter = match[1];
  }
  const projects = await listProjects({ engine: flags.engine, parallel: flags.parallel, all: flags.all, nameFilter });
  if (flags.quiet) {
    process.stdout.write(projects.map((p) => `${p.name}\n`).join(''));
  } else if (flags.format === 'json') {
    process.stdout.write(JSON.stringify(projects.map((p) => ({ Name: p.name, Status: p.status, ConfigFiles: p.configFiles }))) + '\n');
  } else {
    process.stdout.write(renderTable([['NAME', 'STATUS', 'CONFIG FILES'], ...projects.map((p) => [p.name, p.status, p.configFiles])]));
  }
}
