/**
 * Flotilla's programmatic API: the operations of the `flotilla` command, typed. The CLI only parses flags, calls
 * these and renders what they return and report.
 *
 * ```ts
 * import { up, ps, down } from 'flotilla';
 * await up({ files: ['compose.yaml'], wait: true, onEvent: (e) => console.log(e.resource, e.text) });
 * console.log(await ps({ files: ['compose.yaml'] }));
 * await down({ files: ['compose.yaml'], volumes: true });
 * ```
 *
 * Commands that change a project take its lock (one Flotilla process per project at a time), report progress
 * through `onEvent`, stop cleanly when `signal` aborts, and throw `ExecutionError` (with what was done and what
 * was not) when an operation fails. Running the same command again converges.
 */

export type {
  DownOptions, LockingOptions, ProjectOptions, PsOptions, RestartOptions, RmOptions, StartOptions, StopOptions, UpOptions,
} from './api/options.js';
export type { ApplyResult } from './api/up.js';
export type { AttachedUpOptions, AttachedUpResult, ContainerExit } from './api/attached-up.js';
export type { LifecycleResult } from './api/lifecycle.js';
export type { ContainerStatus } from './api/ps.js';
export type { Plan, Operation, OperationKind } from './reconcile/plan.js';
export type { ExecutionEvent, EventState, ResourceKind } from './reconcile/events.js';
export type { ExecutionResult, OperationFailure } from './reconcile/execute.js';
export type { LockHolder } from './reconcile/lock.js';
export type { Project, Service } from './model/types.js';
export type { Engine } from './engine/types.js';
export { ExecutionError } from './reconcile/execute.js';
export { ProjectLockedError } from './reconcile/lock.js';
export { DependencyFailedError } from './reconcile/waits.js';
export { FlotillaError, ExitCode } from './errors.js';
export { renderPlanText, renderPlanJson } from './reconcile/plan.js';

export { up, upAttached, create, plan, start, stop, restart, rm, down, ps } from './api/commands.js';

// Run and observe.
export { logs, type LogsOptions, type LogLine, type LogSink } from './api/logs.js';
export { execInService, type ExecInServiceOptions } from './api/exec.js';
export { runOneOff, type RunOptions, type RunResult } from './api/run.js';
export { publishedPort, type PortOptions } from './api/port.js';
export { top, type TopOptions, type ContainerProcesses } from './api/top.js';
export { images, type ContainerImage, type ImagesOptions } from './api/images.js';
export { listProjects, type ListProjectsOptions, type ProjectSummary } from './api/ls.js';
export { projectEvents, type EventsOptions, type ProjectEvent } from './api/events.js';
export { waitForServices, type WaitOptions } from './api/wait.js';
export { copy, type CopyOptions } from './api/cp.js';
export { kill, pause, unpause, type KillOptions, type PauseOptions, type ContainerActionResult } from './api/kill.js';
export { stats, type StatsOptions, type ContainerStats } from './api/stats.js';
export { attachToService, type AttachOptions, type AttachResult } from './api/attach.js';
export { NoSuchServiceError } from './api/project-containers.js';

// Images.
export {
  buildProjectImages, pullProjectImages, pushProjectImages,
  type BuildCommandOptions, type BuildCommandResult, type PullCommandOptions, type PushCommandOptions,
} from './images/api.js';

// Loading.
export { loadProject, type LoadOptions } from './model/load.js';

// Test stacks.
export * from './stack/index.js';
