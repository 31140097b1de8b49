/**
 * `up`, `create` and `plan`: load, observe, reconcile, then (unless it is a dry run) execute the plan under the
 * project lock. The lock is taken before observing, so that a second `up` plans against what the first one made.
 */
import { FlotillaError } from '../errors.js';
import type { Project } from '../model/types.js';
import { type ExecutionResult, executePlan } from '../reconcile/execute.js';
import { resourceLabel, type ExecutionEvent } from '../reconcile/events.js';
import { Label } from '../reconcile/labels.js';
import { observeProject, type ObservedState } from '../reconcile/observe.js';
import type { ReconcileOptions } from '../reconcile/options.js';
import type { Plan } from '../reconcile/plan.js';
import { reconcile } from '../reconcile/reconcile.js';
import { finishInterruptedRecreates } from './interrupted.js';
import type { UpOptions } from './options.js';
import { loadComposeProject, withProjectLock, withSession } from './session.js';

/** What `up`/`create` did: the plan, and how its execution went (absent for a dry run). */
export interface ApplyResult {
  project: Project;
  plan: Plan;
  execution?: ExecutionResult;
}

export async function applyProject(options: UpOptions, command: 'up' | 'create'): Promise<ApplyResult> {
  const project = await loadComposeProject(options, options.services);
  return withSession(options, (session) =>
    withProjectLock(project.name, options, command, async () => {
      const observed = await observeProject(session.engine, project);
      const reconciled = reconcileOptions(options, command);
      const plan = finishInterruptedRecreates(reconcile(project, observed, reconciled), observed, project, reconciled.naming);
      refuseBuilds(plan);
      for (const warning of plan.warnings) options.onWarning?.(warning);
      if (!options.dryRun) reportUntouched(plan, observed, options.onEvent);
      options.onPlan?.(plan);
      if (options.dryRun) return { project, plan };
      const execution = await executePlan(session.engine, plan, {
        signal: options.signal,
        onEvent: options.onEvent,
        waitTimeoutMs: options.waitTimeoutSec !== undefined && options.waitTimeoutSec > 0 ? options.waitTimeoutSec * 1000 : undefined,
      });
      for (const warning of execution.warnings.slice(plan.warnings.length)) options.onWarning?.(warning);
      return { project, plan, execution };
    }),
  );
}

/** The plan `up` would run, without changing anything (no lock: reading is always safe). */
export async function planProject(options: UpOptions): Promise<Plan> {
  const project = await loadComposeProject(options, options.services);
  return withSession(options, async (session) => {
    const observed = await observeProject(session.engine, project);
    const reconciled = reconcileOptions(options, 'up');
    return finishInterruptedRecreates(reconcile(project, observed, reconciled), observed, project, reconciled.naming);
  });
}

export function reconcileOptions(options: UpOptions, command: 'up' | 'create'): ReconcileOptions {
  const env = options.env ?? process.env;
  return {
    services: options.services && options.services.length > 0 ? options.services : undefined,
    noDeps: options.noDeps,
    forceRecreate: options.forceRecreate,
    noRecreate: options.noRecreate,
    alwaysRecreateDeps: options.alwaysRecreateDeps,
    renewAnonVolumes: options.renewAnonVolumes,
    noStart: command === 'create' || options.noStart,
    scale: options.scale,
    removeOrphans: options.removeOrphans ?? truthy(env.COMPOSE_REMOVE_ORPHANS),
    ignoreOrphans: truthy(env.COMPOSE_IGNORE_ORPHANS),
    recreateVolumes: options.yes,
    pull: options.pull,
    wait: command === 'up' && options.wait,
    timeoutSec: options.timeoutSec,
    naming: options.compatibility ? { compatibility: true } : undefined,
  };
}

function truthy(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === '1' || value.toLowerCase() === 'true';
}

/** Building is not implemented yet: say so before changing anything rather than half-way through. */
function refuseBuilds(plan: Plan): void {
  const builds = plan.operations.filter((op) => op.kind === 'BuildImage');
  if (builds.length === 0) return;
  const names = builds.map((op) => (op.kind === 'BuildImage' ? op.service : '')).join(', ');
  throw new FlotillaError(`service ${names} has a build section and no usable image: building images is not available yet`, {
    hint: 'build the image with docker build and set `image:` to it',
  });
}

/** "Running" lines for the project's running containers the plan leaves alone, as Docker Compose prints them. */
function reportUntouched(plan: Plan, observed: ObservedState, onEvent?: (event: ExecutionEvent) => void): void {
  if (!onEvent) return;
  const touched = new Set<string>();
  for (const op of plan.operations) {
    if ('container' in op && op.container.id) touched.add(op.container.id);
    if (op.kind === 'CreateContainer' && op.replaces) touched.add(op.replaces.id);
  }
  const now = Date.now();
  for (const c of observed.containers) {
    if (touched.has(c.id) || c.state !== 'running' || c.labels[Label.oneoff] === 'True') continue;
    onEvent({ resource: resourceLabel('container', c.name), resourceKind: 'container', name: c.name, action: 'Observe',
      state: 'done', text: 'Running', time: now });
  }
}
