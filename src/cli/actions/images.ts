import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { humanSize, renderTable } from './output.js';

export async function runImages(services: string[], flags: GlobalOptions & { format: 'table' | 'json'; quiet?: boolean }): Promise<void> {
  const { images } = await import('../../api/images.js');
  const rows = await images({ ...projectOptions(flags), services });
  if (flags.quiet) {
    process.stdout.write([...new Set(rows.map((r) => r.id))].map((id) => `${id}\n`).join(''));
    return;
  }
  if (flags.format === 'json') {
    process.stdout.write(JSON.stringify(rows.map((r) => ({
      ID: r.id, ContainerName: r.containerName, Repository: r.repository, Tag: r.tag, Platform: r.platform, Size: r.size,
      Created: r.created ? new Date(r.created).toISOString() : '',
    }))) + '\n');
    return;
  }
  process.stdout.write(renderTable([
    ['CONTAINER', 'REPOSITORY', 'TAG', 'PLATFORM', 'IMAGE ID', 'SIZE'],
    ...rows.map((r) => [r.containerName, r.repository, r.tag, r.platform, shortId(r.id), humanSize(r.size)]),
  ]));
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
