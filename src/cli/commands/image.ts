import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

/**
 * `flotilla image load|import|ls`: images on the engine itself, without a compose file. On the embedded engine
 * this is how images get in without a registry: archives from `docker save`, or a root filesystem tarball.
 */
export function defineImage(program: Command): void {
  const image = program.command('image').description('Manage images on the engine (load, import, ls)');
  image
    .command('load')
    .description('Load images from a `docker save` archive')
    .requiredOption('-i, --input <archive>', 'the tar archive to read ("-" for stdin)')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (_options: unknown, cmd: Command) => {
      const { runImageLoad } = await import('../actions/image.js');
      await runImageLoad(commandOptions(cmd));
    });
  image
    .command('import')
    .description('Create an image from a root filesystem tarball')
    .argument('<tarball>', 'the tar archive of the file system ("-" for stdin)')
    .argument('<reference>', 'the name to give the image (name[:tag])')
    .option('-c, --change <instruction...>', 'Dockerfile instructions to apply (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL)')
    .action(async (tarball: string, reference: string, _options: unknown, cmd: Command) => {
      const { runImageImport } = await import('../actions/image.js');
      await runImageImport(tarball, reference, commandOptions(cmd));
    });
  image
    .command('ls')
    .alias('list')
    .description('List the images on the engine')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'only display image IDs')
    .action(async (_options: unknown, cmd: Command) => {
      const { runImageList } = await import('../actions/image.js');
      await runImageList(commandOptions(cmd));
    });
}
