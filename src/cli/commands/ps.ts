import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { collect } from './parse.js';

/** The states `ps --status` and `--filter status=` accept, Docker's. */
export const CONTAINER_STATES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];

export function definePs(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'show all containers, including stopped ones')
    .option('-q, --quiet', 'only display IDs')
    .option('--services', 'display services')
    .addOption(
      new Option('--status <status>', 'filter by status (repeatable)')
        .choices(CONTAINER_STATES)
        .argParser(collect as never)
        .default([]),
    )
    .option('--filter <filter>', 'filter by a property: status=<status> (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-trunc', "don't truncate output (IDs, commands)")
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runPs } = await import('../actions/ps.js');
      await runPs(services, commandOptions(cmd));
    });
}
