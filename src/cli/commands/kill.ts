import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineKill(program: Command): void {
  program
    .command('kill')
    .description('Force stop service containers')
    .argument('[services...]', 'only these services')
    .option('-s, --signal <signal>', 'signal to send to the container', 'SIGKILL')
    .option('--remove-orphans', 'remove containers for services not defined in the compose file')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runKill } = await import('../actions/kill.js');
      await runKill(services, commandOptions(cmd));
    });
}
