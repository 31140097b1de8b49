import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { collect, parseNonNegativeInt } from './parse.js';

/** Flags shared by `up` and `create`. */
export function addApplyFlags(command: Command): Command {
  return command
    .option('--force-recreate', 'recreate containers even if their configuration has not changed')
    .option('--no-recreate', 'do not recreate containers that exist')
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option('--scale <service=n>', 'scale a service to n replicas, overriding the file (repeatable)', collect, [])
    .addOption(new Option('--pull <policy>', 'pull images before creating').choices(['always', 'missing', 'never']))
    .option('--quiet-pull', 'do not show pull progress')
    .option('-y, --yes', 'assume yes to prompts (recreate volumes whose configuration changed)')
    .option('--no-wait-lock', 'fail instead of waiting when another flotilla process is changing the project')
    .option('--dry-run', 'show what would change, change nothing');
}

export function defineUp(program: Command): void {
  const command = program
    .command('up')
    .description('Create and start containers')
    .argument('[services...]', 'services to start (with their dependencies)')
    .option('-d, --detach', 'run containers in the background')
    .option('--wait', 'wait for services to be running or healthy (implies --detach)')
    .option('--wait-timeout <seconds>', 'maximum time to wait for the project to be running or healthy', parseNonNegativeInt)
    .option('--no-start', 'create containers without starting them')
    .option('--no-deps', 'do not start the services the named ones depend on')
    .option('--always-recreate-deps', 'recreate dependent containers too')
    .option('-V, --renew-anon-volumes', 'recreate anonymous volumes instead of reusing the previous containers\' data')
    .option('-t, --timeout <seconds>', 'stop timeout for containers that are replaced', parseNonNegativeInt);
  addApplyFlags(command).action(async (services: string[], _options: unknown, cmd: Command) => {
    const { runUp } = await import('../actions/up.js');
    await runUp(services, commandOptions(cmd));
  });
}
