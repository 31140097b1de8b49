import type { Command } from 'commander';
import { lockingFlags, runLifecycleAction, servicesArgument } from './lifecycle.js';
import { parseNonNegativeInt } from './parse.js';

export function defineRestart(program: Command): void {
  lockingFlags(program.command('restart').description('Restart containers').argument(...servicesArgument))
    .option('-t, --timeout <seconds>', 'seconds to wait before killing', parseNonNegativeInt)
    .option('--no-deps', 'do not restart the services that depend on the named ones')
    .action((services: string[], _o: unknown, cmd: Command) => runLifecycleAction('restart', services, cmd));
}
