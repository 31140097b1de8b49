import type { Command } from 'commander';
import { lockingFlags, runLifecycleAction, servicesArgument } from './lifecycle.js';

export function defineRm(program: Command): void {
  lockingFlags(program.command('rm').description('Remove stopped containers').argument(...servicesArgument))
    .option('-f, --force', 'do not ask for confirmation')
    .option('-s, --stop', 'stop the containers first if needed')
    .option('-v, --volumes', 'remove anonymous volumes attached to the containers')
    .action((services: string[], _o: unknown, cmd: Command) => runLifecycleAction('rm', services, cmd));
}
