import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { collect } from './parse.js';

export function defineBuild(program: Command): void {
  program
    .command('build')
    .description('Build or rebuild the images of services with a build section')
    .argument('[services...]', 'services to build (default: all with a build section)')
    .option('--no-cache', 'do not use the build cache')
    .option('--pull', 'always try to pull newer versions of the base images')
    .option('--build-arg <key=value>', 'set a build argument for every service (KEY alone: from the environment; repeatable)', collect, [])
    .option('-q, --quiet', 'print nothing but errors')
    .option('--push', 'push the built images that have an image: name')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runBuild } = await import('../actions/build.js');
      await runBuild(services, commandOptions(cmd));
    });
}
