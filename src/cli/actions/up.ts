import { FlotillaError } from '../../errors.js';
import type { UpOptions } from '../../api/options.js';
import { renderPlanText } from '../../reconcile/plan.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions, withProgress } from './common.js';

interface ApplyFlags {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  forceRecreate?: boolean;
  recreate?: boolean;
  start?: boolean;
  deps?: boolean;
  alwaysRecreateDeps?: boolean;
  renewAnonVolumes?: boolean;
  scale: string[];
  removeOrphans?: boolean;
  pull?: 'always' | 'missing' | 'never';
  quietPull?: boolean;
  yes?: boolean;
  waitLock?: boolean;
  timeout?: number;
}

export async function runUp(services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  if (flags.wait) flags.detach = true;
  if (!flags.detach && !flags.dryRun && flags.start !== false) {
    throw new FlotillaError('attached up is not available yet; use -d (or --wait)');
  }
  await apply('up', services, flags);
}

export async function runCreate(services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  await apply('create', services, flags);
}

async function apply(command: 'up' | 'create', services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  const options = applyOptions(services, flags);
  const api = await import('../../index.js');
  await withProgress(flags, async (hooks) => {
    const result = await (command === 'up' ? api.up : api.create)({ ...options, ...hooks });
    if (flags.dryRun) process.stdout.write(renderPlanText(result.plan) + '\n');
  });
}

/** Flags → API options, with Docker Compose's rules on which flags go together. */
export function applyOptions(services: string[], flags: GlobalOptions & ApplyFlags): UpOptions {
  const noRecreate = flags.recreate === false;
  if (noRecreate && (flags.forceRecreate || flags.renewAnonVolumes || flags.alwaysRecreateDeps)) {
    throw new FlotillaError('--no-recreate cannot be combined with --force-recreate, --renew-anon-volumes or --always-recreate-deps');
  }
  return {
    ...projectOptions(flags),
    services,
    wait: flags.wait,
    waitTimeoutSec: flags.waitTimeout,
    forceRecreate: flags.forceRecreate,
    noRecreate,
    noStart: flags.start === false,
    noDeps: flags.deps === false,
    alwaysRecreateDeps: flags.alwaysRecreateDeps,
    renewAnonVolumes: flags.renewAnonVolumes,
    scale: parseScale(flags.scale ?? []),
    removeOrphans: flags.removeOrphans,
    pull: flags.pull,
    yes: flags.yes,
    noWaitLock: flags.waitLock === false,
    timeoutSec: flags.timeout,
    dryRun: flags.dryRun,
  };
}

export function parseScale(values: string[]): Record<string, number> | undefined {
  if (values.length === 0) return undefined;
  const scale: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match) throw new FlotillaError(`invalid --scale option "${value}". Should be SERVICE=NUM`);
    scale[match[1]!] = Number(match[2]);
  }
  return scale;
}
