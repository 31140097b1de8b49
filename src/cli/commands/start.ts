import type { Command } from 'commander';
import { lockingFlags, runLifecycleAction, servicesArgument } from './lifecycle.js';
import { parseNonNegativeInt } from './parse.js';

export function defineStart(program: Command): void {
  lockingFlags(program.command('start').description('Start existing containers').argument(...servicesArgument))
    .option('--wait', 'wait for services to be running or healthy')
    .option('--wait-timeout <seconds>', 'maximum time to wait', parseNonNegativeInt)
    .action((services: string[], _o: unknown, cmd: Command) => runLifecycleAction('start', services, cmd));
}
