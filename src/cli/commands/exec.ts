import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { collectValues, commandTail, parseIndex } from './observe-flags.js';

export function defineExec(program: Command): void {
  const command = program
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<service>', 'service to run the command in')
    .argument('<command...>', 'command and its arguments')
    .option('-d, --detach', 'run the command in the background')
    .option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable)', collectValues, [])
    .option('--index <n>', 'index of the container if the service has multiple replicas', parseIndex)
    .option('-T, --no-tty', 'do not allocate a pseudo-TTY (default: a TTY when stdin and stdout are terminals)')
    .option('-i, --interactive', 'keep stdin open (default)', true)
    .option('--privileged', 'give extended privileges to the process')
    .option('-u, --user <user>', 'run the command as this user')
    .option('-w, --workdir <dir>', 'working directory of the command');
  commandTail(command).action(async (service: string, args: string[], _options: unknown, cmd: Command) => {
    const { runExec } = await import('../actions/exec.js');
    process.exitCode = await runExec(service, args, commandOptions(cmd));
  });
}
