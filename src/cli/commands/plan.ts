import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';
import { collect } from './parse.js';
import { addImageFlags } from './up.js';

export function definePlan(program: Command): void {
  const command = program
    .command('plan')
    .description('Show what `up` would change and why (pulls and builds included), without changing anything')
    .argument('[services...]', 'services to plan for (with their dependencies)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--force-recreate', 'plan as `up --force-recreate`')
    .option('--no-recreate', 'plan as `up --no-recreate`')
    .option('--no-deps', 'plan as `up --no-deps`')
    .option('--always-recreate-deps', 'plan as `up --always-recreate-deps`')
    .option('-V, --renew-anon-volumes', 'plan as `up -V`')
    .option('--no-start', 'plan as `up --no-start`')
    .option('--remove-orphans', 'plan as `up --remove-orphans`')
    .option('--wait', 'plan as `up --wait`')
    .option('--scale <service=n>', 'plan as `up --scale`', collect, []);
  addImageFlags(command).action(async (services: string[], _options: unknown, cmd: Command) => {
    const { runPlan } = await import('../actions/plan.js');
    await runPlan(services, commandOptions(cmd));
  });
}
