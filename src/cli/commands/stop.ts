import type { Command } from 'commander';
import { lockingFlags, runLifecycleAction, servicesArgument } from './lifecycle.js';
import { parseNonNegativeInt } from './parse.js';

export function defineStop(program: Command): void {
  lockingFlags(program.command('stop').description('Stop running containers without removing them').argument(...servicesArgument))
    .option('-t, --timeout <seconds>', 'seconds to wait before killing', parseNonNegativeInt)
    .action((services: string[], _o: unknown, cmd: Command) => runLifecycleAction('stop', services, cmd));
}
