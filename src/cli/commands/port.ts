import { InvalidArgumentError, Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { parseIndex } from './observe-flags.js';

export function definePort(program: Command): void {
  program
    .command('port')
    .description('Print the public port for a port binding')
    .argument('<service>', 'service')
    .argument('<private_port>', 'port inside the container', parsePort)
    .addOption(new Option('--protocol <protocol>', 'tcp or udp').choices(['tcp', 'udp']).default('tcp'))
    .option('--index <n>', 'index of the container if the service has multiple replicas', parseIndex)
    .action(async (service: string, port: number, _options: unknown, cmd: Command) => {
      const { runPort } = await import('../actions/port.js');
      await runPort(service, port, commandOptions(cmd));
    });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
}
