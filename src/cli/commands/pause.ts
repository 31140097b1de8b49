import type { Command } from 'commander';
import { commandOptions } from '../options.js';

export function definePause(program: Command): void {
  for (const [name, description] of [['pause', 'Pause services'], ['unpause', 'Unpause services']] as const) {
    program
      .command(name)
      .description(description)
      .argument('[services...]', 'only these services')
      .action(async (services: string[], _options: unknown, cmd: Command) => {
        const { runPause } = await import('../actions/pause.js');
        await runPause(name, services, commandOptions(cmd));
      });
  }
}
