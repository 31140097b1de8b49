import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineWait(program: Command): void {
  program
    .command('wait')
    .description('Block until containers of the services stop; exit with the first one\'s exit code')
    .argument('<services...>', 'services to wait for')
    .option('--down-project', 'take the project down when the first container stops')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runWait } = await import('../actions/wait.js');
      process.exitCode = await runWait(services, commandOptions(cmd));
    });
}
