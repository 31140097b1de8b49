import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

export function definePull(program: Command): void {
  program
    .command('pull')
    .description('Pull the images of services')
    .argument('[services...]', 'services whose images to pull (default: all)')
    .option('--ignore-pull-failures', 'pull what can be pulled and warn about the rest')
    .option('--include-deps', 'also pull the images of the services the named ones depend on')
    .addOption(new Option('--policy <policy>', 'pull policy, overriding each service\'s pull_policy').choices(['missing', 'always']))
    .option('-q, --quiet', 'pull without printing progress')
    .option('--ignore-buildable', 'skip services that have a build section')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runPull } = await import('../actions/pull.js');
      await runPull(services, commandOptions(cmd));
    });
}
