import type { Command } from 'commander';
import { commandOptions } from '../options.js';
import { addApplyFlags } from './up.js';

export function defineCreate(program: Command): void {
  const command = program
    .command('create')
    .description('Create containers for services without starting them')
    .argument('[services...]', 'services to create (with their dependencies)');
  addApplyFlags(command).action(async (services: string[], _options: unknown, cmd: Command) => {
    const { runCreate } = await import('../actions/up.js');
    await runCreate(services, commandOptions(cmd));
  });
}
