import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { parseIndex } from './observe-flags.js';

export function defineAttach(program: Command): void {
  program
    .command('attach')
    .description('Attach local standard input, output, and error streams to a service\'s running container')
    .argument('<service>', 'service to attach to')
    .option('--detach-keys <keys>', 'override the key sequence for detaching from a container', 'ctrl-p,ctrl-q')
    .option('--index <n>', 'index of the container if the service has multiple replicas', parseIndex)
    .option('--no-stdin', 'do not attach stdin')
    .option('--sig-proxy', 'proxy all received signals to the process (accepted; signals are not forwarded yet)')
    .action(async (service: string, _options: unknown, cmd: Command) => {
      const { runAttach } = await import('../actions/attach.js');
      process.exitCode = await runAttach(service, commandOptions(cmd));
    });
}
