import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineTop(program: Command): void {
  program
    .command('top')
    .description('Display the running processes')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runTop } = await import('../actions/top.js');
      await runTop(services, commandOptions(cmd));
    });
}
