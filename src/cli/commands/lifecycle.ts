/** Flags and dispatch shared by `start`, `stop`, `restart`, `rm`, `down` (one file each, beside this one). */
import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export const servicesArgument = ['[services...]', 'only these services'] as const;

export function lockingFlags(command: Command): Command {
  return command
    .option('--no-wait-lock', 'fail instead of waiting when another flotilla process is changing the project')
    .option('--dry-run', 'show what would change, change nothing');
}

export async function runLifecycleAction(name: 'start' | 'stop' | 'restart' | 'rm' | 'down', services: string[], cmd: Command): Promise<void> {
  const actions = await import('../actions/lifecycle.js');
  await actions.runLifecycle(name, services, commandOptions(cmd));
}
