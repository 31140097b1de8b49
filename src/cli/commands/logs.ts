import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { parseIndex, parseTail } from './observe-flags.js';

export function defineLogs(program: Command): void {
  program
    .command('logs')
    .description('View output from containers')
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'follow log output (and containers that start), until every container stopped')
    .option('-n, --tail <lines>', 'number of lines to show from the end of the logs for each container, or "all"', parseTail)
    .option('--since <time>', 'show logs since a timestamp (2013-01-02T13:23:37Z) or relative time (42m)')
    .option('--until <time>', 'show logs before a timestamp (2013-01-02T13:23:37Z) or relative time (42m)')
    .option('-t, --timestamps', 'show timestamps')
    .option('--no-color', 'produce monochrome output')
    .option('--no-log-prefix', 'do not print the container name before each line')
    .option('--index <n>', 'index of the container if the service has multiple replicas', parseIndex)
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runLogs } = await import('../actions/logs.js');
      await runLogs(services, commandOptions(cmd));
    });
}
