import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { collectValues, commandTail } from './observe-flags.js';

export function defineRun(program: Command): void {
  const command = program
    .command('run')
    .description('Run a one-off command on a service')
    .argument('<service>', 'service whose configuration the container takes')
    .argument('[command...]', 'command and its arguments (default: the service\'s)')
    .option('-d, --detach', 'run the container in the background and print its name')
    .option('--rm', 'remove the container when it exits')
    .option('--name <name>', 'assign a name to the container')
    .option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable)', collectValues, [])
    .option('-l, --label <KEY=VAL>', 'add or override a label (repeatable)', collectValues, [])
    .option('-p, --publish <ports>', 'publish a container port to the host (repeatable)', collectValues, [])
    .option('-P, --service-ports', 'run with the service\'s ports published')
    .option('--no-deps', 'do not start the services it depends on')
    .option('--entrypoint <command>', 'override the image\'s entrypoint')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'run as this user (name or uid, optionally :group)')
    .option('-v, --volume <volume>', 'bind mount a volume (repeatable)', collectValues, [])
    .option('--use-aliases', 'use the service\'s network aliases on the networks it joins')
    .option('-T, --no-tty', 'do not allocate a pseudo-TTY (default: a TTY when stdin and stdout are terminals)')
    .option('-i, --interactive', 'keep stdin open (default)', true);
  commandTail(command).action(async (service: string, args: string[], _options: unknown, cmd: Command) => {
    const { runRun } = await import('../actions/run.js');
    process.exitCode = await runRun(service, args, commandOptions(cmd));
  });
}
