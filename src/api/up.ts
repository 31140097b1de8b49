/**
 * `up`, `create` and `plan`: load, observe, pull and build what is needed, reconcile, then (unless it is a dry run)
 * execute the plan under the project lock. The lock is taken before observing, so that a second `up` plans against
 * what the first one made. Attached `up` (logs, Ctrl-C, --abort-on-container-exit) builds on this: attached-up.ts.
 */
import type { Project } from '../model/types.js';
import { type ExecutionResult, executePlan } from '../reconcile/execute.js';
import { resourceLabel, type ExecutionEvent } from '../reconcile/events.js';
import { Label } from '../reconcile/labels.js';
import { observeProject, type ObservedState } from '../reconcile/observe.js';
import type { ReconcileOptions } from '../reconcile/options.js';
import type { Plan } from '../reconcile/plan.js';
import { reconcile } from '../reconcile/reconcile.js';
import type { UpOptions } from './options.js';
import { loadComposeProject, openSession, withProjectLock, type Session } from './session.js';
import { prepareImages } from './up-images.js';

/** What `up`/`create` did: the plan, and how its execution went (absent for a dry run). */
export interface ApplyResult {
  project: Project;
  plan: Plan;
  execution?: ExecutionResult;
}

/**
 * Pulls and builds what is needed, then plans and executes under the project lock. A dry run pulls and builds
 * nothing: its plan lists the pulls and builds `up` would do.
 */
export async function applyProject(options: UpOptions, command: 'up' | 'create'): Promise<ApplyResult> {
  return withProjectSession(options, (project, session) => applyLoaded(project, session, options, command));
}

/** applyProject for a project already loaded, on an open session (attached `up` shares both with its log stream). */
export function applyLoaded(project: Project, session: Session, options: UpOptions, command: 'up' | 'create'): Promise<ApplyResult> {
  return withProjectLock(project.name, options, command, async () => {
    const reconciled = reconcileOptions(options, command);
    let observed = await observeProject(session.engine, project);
    let plan: Plan;
    if (options.dryRun) {
      plan = reconcile(project, observed, reconciled);
    } else {
      const images = await prepareImages(project, session.engine, observed, options);
      await options.onImagesDone?.();
      observed = images.observed;
      plan = reconcile(project, observed, { ...reconciled, skipImages: true, builtImages: images.built });
    }
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
  });
}

/** The plan `up` would run, pulls and builds included, without changing anything (no lock: reading is safe). */
export async function planProject(options: UpOptions): Promise<Plan> {
  return withProjectSession(options, async (project, session) =>
    reconcile(project, await observeProject(session.engine, project), reconcileOptions(options, 'up')));
}

/**
 * Loads the project while the engine connection opens (both take tens of milliseconds, and neither needs the
 * other), runs `work`, and closes the session whatever happens.
 */
export async function withProjectSession<T>(options: UpOptions, work: (project: Project, session: Session) => Promise<T>): Promise<T> {
  const opening = openSession(options);
  let project: Project;
  try {
    project = await loadComposeProject(options, options.services);
  } catch (error) {
    await opening.then((session) => session.close(), () => undefined);
    throw error;
  }
  const session = await opening;
  try {
    return await work(project, session);
  } finally {
    await session.close();
  }
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
    build: options.build,
    wait: command === 'up' && options.wait,
    timeoutSec: options.timeoutSec,
    naming: options.compatibility ? { compatibility: true } : undefined,
  };
}

function truthy(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return value === '1' || value.toLowerCase() === 'true';
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
