import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineEvents(program: Command): void {
  program
    .command('events')
    .description('Receive real time events from containers')
    .argument('[services...]', 'only these services')
    .option('--json', 'output events as a stream of JSON objects')
    .option('--since <time>', 'show events since a timestamp (or relative time such as 10m)')
    .option('--until <time>', 'stream events until this timestamp (or relative time)')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runEvents } = await import('../actions/events.js');
      await runEvents(services, commandOptions(cmd));
    });
}
