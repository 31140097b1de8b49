import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { collect, parseNonNegativeInt } from './parse.js';

/**
 * A `--no-x` flag that is not the negation of `--x` (commander would merge them): `--no-build` next to `--build`
 * must stay apart so that giving both is an error, and `--no-attach SVC` takes a value.
 */
function standalone(option: Option): Option {
  option.negate = false;
  return option;
}

/** Flags of `up`, `create` and `plan` about images. */
export function addImageFlags(command: Command): Command {
  return command
    .option('--build', 'build images before starting containers')
    .addOption(standalone(new Option('--no-build', 'do not build an image, even if it is missing or its policy says so')))
    .addOption(new Option('--pull <policy>', 'pull images before creating').choices(['always', 'missing', 'never', 'build', 'policy']));
}

/** Flags shared by `up` and `create`. */
export function addApplyFlags(command: Command): Command {
  return addImageFlags(command)
    .option('--force-recreate', 'recreate containers even if their configuration has not changed')
    .option('--no-recreate', 'do not recreate containers that exist')
    .option('--remove-orphans', 'remove containers of services not defined in the compose file')
    .option('--scale <service=n>', 'scale a service to n replicas, overriding the file (repeatable)', collect, [])
    .option('--quiet-pull', 'do not show pull and build progress')
    .option('-y, --yes', 'assume yes to prompts (recreate volumes whose configuration changed)')
    .option('--no-wait-lock', 'fail instead of waiting when another flotilla process is changing the project')
    .option('--dry-run', 'show what would change, change nothing');
}

export function defineUp(program: Command): void {
  const command = program
    .command('up')
    .description('Create and start containers, and follow their output unless detached')
    .argument('[services...]', 'services to start (with their dependencies)')
    .option('-d, --detach', 'run containers in the background')
    .option('--wait', 'wait for services to be running or healthy (implies --detach)')
    .option('--wait-timeout <seconds>', 'maximum time to wait for the project to be running or healthy', parseNonNegativeInt)
    .option('--no-start', 'create containers without starting them')
    .option('--no-deps', 'do not start the services the named ones depend on')
    .option('--always-recreate-deps', 'recreate dependent containers too')
    .option('-V, --renew-anon-volumes', 'recreate anonymous volumes instead of reusing the previous containers\' data')
    .option('-t, --timeout <seconds>', 'stop timeout for containers that are replaced or stopped', parseNonNegativeInt)
    .option('--abort-on-container-exit', 'stop all containers if any container stops (incompatible with -d)')
    .option('--abort-on-container-failure', 'stop all containers if any container exits with a failure (incompatible with -d)')
    .option('--exit-code-from <service>', 'return the exit code of this service\'s container (implies --abort-on-container-exit)')
    .option('--attach <service>', 'only show the output of these services (repeatable)', collect, [])
    .addOption(standalone(new Option('--no-attach <service>', 'do not show the output of these services (repeatable)')
      .argParser(collect).default([])))
    .option('--attach-dependencies', 'also show the output of the services the named ones depend on')
    .option('--no-color', 'produce monochrome output')
    .option('--no-log-prefix', 'do not print the container name before each line')
    .option('--timestamps', 'show timestamps');
  addApplyFlags(command).action(async (services: string[], _options: unknown, cmd: Command) => {
    const { runUp } = await import('../actions/up.js');
    await runUp(services, commandOptions(cmd));
  });
}
