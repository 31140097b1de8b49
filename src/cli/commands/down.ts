import { Option, type Command } from 'commander';
import { lockingFlags, runLifecycleAction, servicesArgument } from './lifecycle.js';
import { parseNonNegativeInt } from './parse.js';

export function defineDown(program: Command): void {
  lockingFlags(program.command('down').description('Stop and remove containers and networks').argument(...servicesArgument))
    .option('-v, --volumes', 'remove named volumes declared in the file and anonymous volumes')
    .addOption(new Option('--rmi <which>', 'remove images used by services').choices(['local', 'all']))
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing', parseNonNegativeInt)
    .action((services: string[], _o: unknown, cmd: Command) => runLifecycleAction('down', services, cmd));
}
