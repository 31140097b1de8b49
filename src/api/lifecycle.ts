/**
 * `start`, `stop`, `restart`, `rm`, `down`: plan from what runs (and the file when there is one), then execute
 * under the project lock. Without a compose file, `-p NAME` alone is enough: the plan comes from the labels.
 */
import { FileNotFoundError } from '../errors.js';
import type { Project } from '../model/types.js';
import { executePlan, type ExecutionResult } from '../reconcile/execute.js';
import { planDown, planRemove, planRestart, planStart, planStop } from '../reconcile/lifecycle.js';
import { observeProject, type ObservedState } from '../reconcile/observe.js';
import { PlanBuilder, type Plan } from '../reconcile/plan.js';
import type { DownOptions, LockingOptions, ProjectOptions, RestartOptions, RmOptions, StartOptions, StopOptions } from './options.js';
import { loadComposeProject, withProjectLock, withSession } from './session.js';

/** What a lifecycle command did. `execution` is absent for a dry run. */
export interface LifecycleResult {
  project: string;
  plan: Plan;
  execution?: ExecutionResult;
}

type Planner = (project: Project | undefined, observed: ObservedState) => Plan;

export function startProject(options: StartOptions): Promise<LifecycleResult> {
  return runLifecycle(options, 'start', (project, observed) => {
    const plan = planStart(project, observed, { services: options.services });
    return options.wait ? withFinalWait(plan, observed, options.services) : plan;
  }, options.wait ? options.waitTimeoutSec : undefined);
}

export function stopProject(options: StopOptions): Promise<LifecycleResult> {
  return runLifecycle(options, 'stop', (project, observed) => planStop(project, observed, options));
}

export function restartProject(options: RestartOptions): Promise<LifecycleResult> {
  return runLifecycle(options, 'restart', (project, observed) => planRestart(project, observed, options));
}

export function removeContainers(options: RmOptions): Promise<LifecycleResult> {
  const confirm = options.confirm;
  const ask = confirm && (async (plan: Plan) =>
    confirm(plan.operations.flatMap((op) => (op.kind === 'RemoveContainer' ? [op.container.name] : []))));
  return runLifecycle(options, 'rm', (project, observed) => planRemove(project, observed, options), undefined, ask);
}

export function downProject(options: DownOptions): Promise<LifecycleResult> {
  return runLifecycle(options, 'down', (project, observed) => planDown(project, observed, options));
}

async function runLifecycle(options: ProjectOptions & LockingOptions, command: string, planner: Planner,
  waitTimeoutSec?: number, confirm?: (plan: Plan) => Promise<boolean>): Promise<LifecycleResult> {
  const project = await loadOptionalProject(options);
  const name = project?.name ?? options.projectName!;
  return withSession(options, (session) =>
    withProjectLock(name, options, command, async () => {
      const observed = await observeProject(session.engine, project ?? name);
      const plan = planner(project, observed);
      for (const warning of plan.warnings) options.onWarning?.(warning);
      if (!options.dryRun && confirm && !(await confirm(plan))) return { project: name, plan };
      options.onPlan?.(plan);
      if (options.dryRun) return { project: name, plan };
      const execution = await executePlan(session.engine, plan, {
        signal: options.signal,
        onEvent: options.onEvent,
        waitTimeoutMs: waitTimeoutSec ? waitTimeoutSec * 1000 : undefined,
      });
      for (const warning of execution.warnings.slice(plan.warnings.length)) options.onWarning?.(warning);
      return { project: name, plan, execution };
    }),
  );
}

/** The project from its files; with `-p` and no compose file, undefined (the labels will do). */
export async function loadOptionalProject(options: ProjectOptions): Promise<Project | undefined> {
  try {
    return await loadComposeProject(options);
  } catch (error) {
    if (error instanceof FileNotFoundError && options.projectName && !options.files) return undefined;
    throw error;
  }
}

/** `start --wait`: after the starts, wait for every selected service to be running or healthy. */
function withFinalWait(plan: Plan, observed: ObservedState, services?: string[]): Plan {
  const builder = new PlanBuilder(plan.project);
  for (const op of plan.operations) builder.add(op);
  for (const w of plan.warnings) builder.warn(w);
  const starts = plan.operations.filter((op) => op.kind === 'StartContainer').map((op) => op.id);
  const byService = new Map<string, { id: string; name: string }[]>();
  for (const c of observed.containers) {
    const service = c.labels['com.docker.compose.service'];
    if (!service || c.labels['com.docker.compose.oneoff'] === 'True') continue;
    if (services && services.length > 0 && !services.includes(service)) continue;
    byService.set(service, [...(byService.get(service) ?? []), { id: c.id, name: c.name }]);
  }
  for (const [service, containers] of [...byService].sort(([a], [b]) => (a < b ? -1 : 1))) {
    builder.add({ kind: 'WaitCondition', resource: `service:${service}`, dependsOn: starts, reason: 'wait requested', service,
      condition: 'running_or_healthy', required: true, containers });
  }
  return builder.build();
}
