import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { renderTable } from './output.js';

export async function runTop(services: string[], flags: GlobalOptions): Promise<void> {
  const { top } = await import('../../api/top.js');
  const results = await top({ ...projectOptions(flags), services });
  // As Docker Compose: the container name, then its process table, a blank line between containers.
  process.stdout.write(results.map((r) => `${r.name}\n${renderTable([r.titles, ...r.processes])}`).join('\n'));
}
