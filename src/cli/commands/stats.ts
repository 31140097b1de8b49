import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineStats(program: Command): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'show all containers (default shows just running)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-stream', 'disable streaming stats and only pull the first result')
    .option('--no-trunc', 'do not truncate output')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runStats } = await import('../actions/stats.js');
      await runStats(services, commandOptions(cmd));
    });
}
