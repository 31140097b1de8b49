import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { parseIndex } from './observe-flags.js';

export function defineCp(program: Command): void {
  program
    .command('cp')
    .description('Copy files/folders between a service container and the local filesystem')
    .argument('<source>', 'SERVICE:SRC_PATH or a local path ("-" is not supported)')
    .argument('<destination>', 'a local path or SERVICE:DEST_PATH')
    .option('--all', 'include containers created by the run command')
    .option('-a, --archive', 'archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'always follow a symbolic link given as SRC_PATH')
    .option('--index <n>', 'index of the container if the service has multiple replicas', parseIndex)
    .action(async (source: string, destination: string, _options: unknown, cmd: Command) => {
      const { runCp } = await import('../actions/cp.js');
      await runCp(source, destination, commandOptions(cmd));
    });
}
