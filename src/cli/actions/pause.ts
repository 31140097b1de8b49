import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

export async function runPause(command: 'pause' | 'unpause', services: string[], flags: GlobalOptions): Promise<void> {
  const api = await import('../../api/kill.js');
  const result = await api[command]({ ...projectOptions(flags), services, dryRun: flags.dryRun });
  const word = command === 'pause' ? 'Paused' : 'Unpaused';
  for (const name of result.containers) process.stderr.write(` Container ${name}  ${word}\n`);
}
