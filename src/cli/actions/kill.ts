import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

export async function runKill(services: string[], flags: GlobalOptions & { signal: string; removeOrphans?: boolean }): Promise<void> {
  const { kill } = await import('../../api/kill.js');
  const result = await kill({ ...projectOptions(flags), services, killSignal: flags.signal, removeOrphans: flags.removeOrphans,
    dryRun: flags.dryRun });
  if (result.containers.length === 0) process.stderr.write('no container to kill\n');
  for (const name of result.containers) process.stderr.write(` Container ${name}  Killed\n`);
  for (const name of result.removed ?? []) process.stderr.write(` Container ${name}  Removed\n`);
}
