import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

export function defineVersion(program: Command): void {
  program
    .command('version')
    .description('Show the Flotilla version information')
    .addOption(new Option('-f, --format <format>', 'format the output').choices(['pretty', 'json']).default('pretty'))
    .option('--short', 'show only the version number')
    .action(async (_options: unknown, cmd: Command) => {
      const { runVersion } = await import('../actions/version.js');
      runVersion(commandOptions(cmd));
    });
}
