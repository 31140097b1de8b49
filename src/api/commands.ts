/**
 * The lifecycle operations of the API (`up`, `down`, ...) as thin entry points that load their implementation when
 * called, so that importing them costs nothing: the CLI and src/index.ts both use these.
 */
import type { DownOptions, PsOptions, RestartOptions, RmOptions, StartOptions, StopOptions, UpOptions } from './options.js';
import type { ApplyResult } from './up.js';
import type { AttachedUpOptions, AttachedUpResult } from './attached-up.js';
import type { LogSink } from './logs.js';
import type { LifecycleResult } from './lifecycle.js';
import type { ContainerStatus } from './ps.js';
import type { Plan } from '../reconcile/plan.js';

/**
 * Creates and starts the project's containers (with `noStart`, creates only), recreating those whose
 * configuration changed, in dependency order and waiting for `depends_on` conditions. With `wait`, resolves once
 * every service is running or healthy. With `dryRun`, only plans (the plan lists the pulls and builds it would do).
 * Images are pulled and built first (`build`, `pull`), and a container whose image changed is recreated. This is
 * `up -d`; see upAttached for `up` without `-d`.
 */
export async function up(options: UpOptions = {}): Promise<ApplyResult> {
  const { applyProject } = await import('./up.js');
  return applyProject(options, 'up');
}

/**
 * `up` without `-d`: `up`, then the attached services' output to `onLine` until their containers have exited; with
 * `abortOn`/`exitCodeFrom`, stops everything at the first exit. `signal` aborting stops the services gracefully,
 * `forceSignal` kills them. Resolves with the exit code the CLI returns.
 */
export async function upAttached(options: AttachedUpOptions, onLine: LogSink): Promise<AttachedUpResult> {
  const { upAttached: run } = await import('./attached-up.js');
  return run(options, onLine);
}

/** Creates the project's containers (and networks, volumes) without starting them: `up --no-start`. */
export async function create(options: UpOptions = {}): Promise<ApplyResult> {
  const { applyProject } = await import('./up.js');
  return applyProject(options, 'create');
}

/** The plan `up` would execute with these options, with a reason for every operation. Changes nothing. */
export async function plan(options: UpOptions = {}): Promise<Plan> {
  const { planProject } = await import('./up.js');
  return planProject(options);
}

/** Starts the project's existing stopped containers, in dependency order, honouring `depends_on` conditions. */
export async function start(options: StartOptions = {}): Promise<LifecycleResult> {
  const { startProject } = await import('./lifecycle.js');
  return startProject(options);
}

/** Stops the project's running containers, dependents before the services they depend on. */
export async function stop(options: StopOptions = {}): Promise<LifecycleResult> {
  const { stopProject } = await import('./lifecycle.js');
  return stopProject(options);
}

/** Restarts containers (and, unless `noDeps`, the services that declared `restart: true` on them). */
export async function restart(options: RestartOptions = {}): Promise<LifecycleResult> {
  const { restartProject } = await import('./lifecycle.js');
  return restartProject(options);
}

/** Removes the project's stopped containers (running ones too with `stop`). */
export async function rm(options: RmOptions = {}): Promise<LifecycleResult> {
  const { removeContainers } = await import('./lifecycle.js');
  return removeContainers(options);
}

/**
 * Stops and removes the project's containers and networks; with `volumes`, its named and anonymous volumes; with
 * `rmi`, its images. Works from the project name alone when there is no compose file.
 */
export async function down(options: DownOptions = {}): Promise<LifecycleResult> {
  const { downProject } = await import('./lifecycle.js');
  return downProject(options);
}

/** The project's containers (running ones unless `all`), sorted by name. */
export async function ps(options: PsOptions = {}): Promise<ContainerStatus[]> {
  const { listContainers } = await import('./ps.js');
  return listContainers(options);
}
