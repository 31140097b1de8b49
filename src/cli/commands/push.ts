import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function definePush(program: Command): void {
  program
    .command('push')
    .description('Push the images services build to their registries')
    .argument('[services...]', 'services whose images to push (default: all)')
    .option('--ignore-push-failures', 'push what can be pushed and warn about the rest')
    .option('--include-deps', 'also push the images of the services the named ones depend on')
    .option('-q, --quiet', 'push without printing progress')
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runPush } = await import('../actions/push.js');
      await runPush(services, commandOptions(cmd));
    });
}
