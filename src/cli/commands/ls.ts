import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { collectValues } from './observe-flags.js';

export function defineLs(program: Command): void {
  program
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'show all projects, also those with only stopped containers')
    .option('--filter <filter>', 'filter output based on conditions provided (name=...)', collectValues, [])
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'only display project names')
    .action(async (_options: unknown, cmd: Command) => {
      const { runLs } = await import('../actions/ls.js');
      await runLs(commandOptions(cmd));
    });
}
