import { FlotillaError } from '../../errors.js';
import type { UpOptions } from '../../api/options.js';
import { renderPlanText } from '../../reconcile/plan.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions, withProgress } from './common.js';
import { imageProgress } from './image-hooks.js';

export interface ImageFlags {
  build?: boolean;
  noBuild?: boolean;
  pull?: 'always' | 'missing' | 'never' | 'build' | 'policy';
}

export interface ApplyFlags extends ImageFlags {
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
  quietPull?: boolean;
  yes?: boolean;
  waitLock?: boolean;
  timeout?: number;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  attach?: string[];
  noAttach?: string[];
  attachDependencies?: boolean;
  color?: boolean;
  logPrefix?: boolean;
  timestamps?: boolean;
}

export async function runUp(services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  validateUpFlags(flags);
  if (!flags.detach && !flags.dryRun && flags.start !== false) {
    const { runAttachedUp } = await import('./up-attached.js');
    await runAttachedUp(services, flags);
    return;
  }
  await apply('up', services, flags);
}

export async function runCreate(services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  validateRecreateFlags(flags);
  await apply('create', services, flags);
}

async function apply(command: 'up' | 'create', services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  const options = applyOptions(services, flags);
  const api = await import('../../api/commands.js');
  const images = imageProgress(flags, flags.quietPull);
  try {
    await withProgress(flags, async (hooks) => {
      const result = await (command === 'up' ? api.up : api.create)({ ...options, ...hooks, ...images.hooks });
      if (flags.dryRun) process.stdout.write(renderPlanText(result.plan) + '\n');
    });
  } finally {
    await images.close();
  }
}

/**
 * Docker Compose's rules on which `up` flags go together, with its messages (cmd/compose/up.go validateFlags). It
 * also applies what flags imply: `--exit-code-from` → `--abort-on-container-exit`, `--wait` → `--detach`.
 */
export function validateUpFlags(flags: ApplyFlags): void {
  if (flags.exitCodeFrom !== undefined && !flags.abortOnContainerFailure) flags.abortOnContainerExit = true;
  if (flags.abortOnContainerExit && flags.abortOnContainerFailure) {
    throw new FlotillaError('--abort-on-container-failure cannot be combined with --abort-on-container-exit');
  }
  const attach = (flags.attach ?? []).length > 0;
  if (flags.wait) {
    if (flags.attachDependencies || flags.abortOnContainerExit || attach) {
      throw new FlotillaError('--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies');
    }
    flags.detach = true;
  }
  if (flags.build && flags.noBuild) throw new FlotillaError('--build and --no-build are incompatible');
  if (flags.detach && (flags.attachDependencies || flags.abortOnContainerExit || flags.abortOnContainerFailure || attach)) {
    throw new FlotillaError('--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, '
      + '--attach-dependencies or --watch');
  }
  validateRecreateFlags(flags);
  if (attach && flags.attachDependencies) throw new FlotillaError('cannot combine --attach and --attach-dependencies');
}

/** The `--no-recreate` rules `up` and `create` share. */
function validateRecreateFlags(flags: ApplyFlags): void {
  if (flags.build && flags.noBuild) throw new FlotillaError('--build and --no-build are incompatible');
  if (flags.recreate !== false) return;
  if (flags.renewAnonVolumes) throw new FlotillaError('--no-recreate and --renew-anon-volumes are incompatible');
  if (flags.forceRecreate) throw new FlotillaError('--force-recreate and --no-recreate are incompatible');
  if (flags.alwaysRecreateDeps) throw new FlotillaError('--always-recreate-deps and --no-recreate are incompatible');
}

/** Flags → API options. */
export function applyOptions(services: string[], flags: GlobalOptions & ApplyFlags): UpOptions {
  if (flags.removeOrphans && truthy(process.env.COMPOSE_IGNORE_ORPHANS)) {
    throw new FlotillaError('cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans');
  }
  return {
    ...projectOptions(flags),
    services,
    wait: flags.wait,
    waitTimeoutSec: flags.waitTimeout,
    forceRecreate: flags.forceRecreate,
    noRecreate: flags.recreate === false,
    noStart: flags.start === false,
    noDeps: flags.deps === false,
    alwaysRecreateDeps: flags.alwaysRecreateDeps,
    renewAnonVolumes: flags.renewAnonVolumes,
    scale: parseScale(flags.scale ?? []),
    removeOrphans: flags.removeOrphans,
    ...imageOptions(flags),
    yes: flags.yes,
    noWaitLock: flags.waitLock === false,
    timeoutSec: flags.timeout,
    dryRun: flags.dryRun,
  };
}

/** `--build`, `--no-build`, `--pull` → API options (`--pull policy` is the default: each service's own). */
export function imageOptions(flags: ImageFlags): Pick<UpOptions, 'build' | 'pull'> {
  if (flags.build && flags.noBuild) throw new FlotillaError('--build and --no-build are incompatible');
  return {
    ...(flags.build ? { build: true } : flags.noBuild ? { build: false } : {}),
    ...(flags.pull !== undefined && flags.pull !== 'policy' ? { pull: flags.pull } : {}),
  };
}

function truthy(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true';
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
