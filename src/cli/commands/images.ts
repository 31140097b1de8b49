import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineImages(program: Command): void {
  program
    .command('images')
    .description('List images used by the created containers')
    .argument('[services...]', 'only these services')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'only display image IDs')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runImages } = await import('../actions/images.js');
      await runImages(services, commandOptions(cmd));
    });
}
