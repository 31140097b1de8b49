import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

/**
 * `flotilla reap`: removes ephemeral stacks (started by the Stack API) whose owner process is gone, the backstop for
 * the per-stack watcher. With the global `--dry-run`, lists them only.
 */
export function defineReap(program: Command): void {
  program
    .command('reap')
    .description('Remove ephemeral test stacks whose owner process is gone')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (_options: unknown, cmd: Command) => {
      const { runReap } = await import('../actions/reap.js');
      await runReap(commandOptions(cmd));
    });
}
