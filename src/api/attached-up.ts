/**
 * Attached `up` (no `-d`), as Docker Compose's: create and start like `up -d`, then follow the output of the attached
 * services until the watched containers have all exited. The watched services are the ones named on the command
 * line, else the attached ones.
 *
 * - `abortOn: 'exit'` (`--abort-on-container-exit`): the first watched container that exits stops the services;
 *   `abortOn: 'failure'` (`--abort-on-container-failure`) only one that exits non-zero. The result's code is that
 *   container's.
 * - `exitCodeFrom` (`--exit-code-from`): the code is that of the service's first container to exit (143 when it
 *   was stopped by the abort, as Docker Compose).
 * - `signal` aborting (the first Ctrl-C) stops the services gracefully; `forceSignal` (the second) kills them. The
 *   code is then 130, as Docker Compose's (its command wrapper turns a cancelled run into 130 whatever `up` did).
 * - Containers that start later (a recreate by another `up -d`, a restart) join the stream.
 */
import { FlotillaError } from '../errors.js';
import type { Project } from '../model/types.js';
import { withDependencies } from '../reconcile/order.js';
import { serviceGraph } from '../reconcile/reconcile.js';
import { Label } from '../reconcile/labels.js';
import { ExitMonitor, type ContainerExit } from './exit-monitor.js';
import type { LogSink, LogSource } from './logs.js';
import type { UpOptions } from './options.js';
import type { Session } from './session.js';
import { applyLoaded, withProjectSession, type ApplyResult } from './up.js';

export type { ContainerExit } from './exit-monitor.js';

/** Options of `up` without `-d`: those of `up`, plus which services to follow and when to stop everything. */
export interface AttachedUpOptions extends UpOptions {
  /** Only these services' output (`--attach`); default the selected services (or all), attach: false left out. */
  attach?: string[];
  /** Never these services' output (`--no-attach`). */
  noAttach?: string[];
  /** Also the output of the selected services' dependencies (`--attach-dependencies`). */
  attachDependencies?: boolean;
  /** Stop everything when a watched container exits (`exit`) or exits non-zero (`failure`). */
  abortOn?: 'exit' | 'failure';
  /** Return the exit code of this service's container (`--exit-code-from`; implies abortOn `exit` unless set). */
  exitCodeFrom?: string;
  /** Read each line's time from the engine (`--timestamps`). */
  timestamps?: boolean;
  /** Aborting it (a second Ctrl-C) kills the containers instead of waiting for them to stop. */
  forceSignal?: AbortSignal;
  /** The containers whose output follows (first the ones found after the plan, then any that start later). */
  onContainer?: (source: LogSource) => void;
  /** A watched container stopped for good. */
  onContainerExit?: (exit: ContainerExit) => void;
  /** Notes for the person watching: "Attaching to …", "Aborting on container exit...", "Gracefully stopping...". */
  onStatus?: (message: string) => void;
}

/** How an attached `up` ended: the exit code the CLI returns and the container that decided it. */
export interface AttachedUpResult extends ApplyResult {
  /** What the command exits with. */
  exitCode: number;
  /** Stopped by `signal` (Ctrl-C). */
  interrupted: boolean;
  /** The container whose exit stopped everything (abortOn). */
  abortedBy?: ContainerExit;
}

/** How long the output of the containers that just exited may take to arrive after the last one exited. */
const DRAIN_MS = 2000;

/** Runs `up`, then follows the attached services' output to `onLine` until the watched containers are done. */
export async function upAttached(options: AttachedUpOptions, onLine: LogSink): Promise<AttachedUpResult> {
  return withProjectSession(options, async (project, session) => {
    const attached = attachedServices(project, options);
    if (options.exitCodeFrom !== undefined && !project.services[options.exitCodeFrom]) {
      throw new FlotillaError(`no such service: ${options.exitCodeFrom}`);
    }
    const abortOn = options.abortOn ?? (options.exitCodeFrom !== undefined ? 'exit' : undefined);
    const watched = new Set(options.services && options.services.length > 0 ? options.services : attached);
    if (options.exitCodeFrom !== undefined) watched.add(options.exitCodeFrom);

    let exitCodeFrom: number | undefined;
    let abortedBy: ContainerExit | undefined;
    let stopping: Promise<void> | undefined;
    const stopServices = (): void => {
      stopping ??= stopProjectServices(project, session, options);
    };
    const monitor = new ExitMonitor(session.engine, project.name, watched, (exit) => {
      options.onContainerExit?.(exit);
      if (exit.service === options.exitCodeFrom && exitCodeFrom === undefined) exitCodeFrom = exit.exitCode;
      if (abortOn && !abortedBy && !(abortOn === 'failure' && exit.exitCode === 0)) {
        abortedBy = exit;
        options.onStatus?.('Aborting on container exit...');
        stopServices();
      }
    });
    const since = Date.now();
    monitor.listen(since);
    try {
      const applied = await applyLoaded(project, session, options, 'up');
      const containers = await session.engine.listContainers({ all: true, labels: { [Label.project]: project.name } });
      const shown = containers.filter((c) => c.labels[Label.oneoff] !== 'True' && attached.includes(c.labels[Label.service] ?? ''))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      if (shown.length > 0) options.onStatus?.(`Attaching to ${shown.map((c) => shortDisplayName(c.name, project.name)).join(', ')}`);

      let interrupted = false;
      const onInterrupt = (): void => {
        if (interrupted) return;
        interrupted = true;
        options.onStatus?.('Gracefully stopping... (press Ctrl+C again to force)');
        stopServices();
      };
      const onForce = (): void => {
        options.onStatus?.('Killing...');
        void killProjectServices(project, session, options).catch(() => undefined);
      };
      if (options.signal?.aborted) onInterrupt();
      options.signal?.addEventListener('abort', onInterrupt, { once: true });
      options.forceSignal?.addEventListener('abort', onForce, { once: true });

      const logsController = new AbortController();
      const following = attached.length > 0 ? followLogs(project, session, options, attached, since, monitor, logsController.signal, onLine)
        : Promise.resolve();
      try {
        monitor.arm(containers);
        await monitor.done();
        if (stopping) await stopping;
        await Promise.race([following, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
      } finally {
        logsController.abort();
        await following.catch(() => undefined);
        options.signal?.removeEventListener('abort', onInterrupt);
        options.forceSignal?.removeEventListener('abort', onForce);
      }
      const exitCode = interrupted ? 130
        : options.exitCodeFrom !== undefined ? exitCodeFrom ?? 0
          : abortedBy?.exitCode ?? 0;
      return { ...applied, exitCode, interrupted, ...(abortedBy ? { abortedBy } : {}) };
    } finally {
      monitor.close();
    }
  });
}

/**
 * `--attach` as given (each must be among the services `up` starts), else the named services (all when none) with,
 * under `--attach-dependencies`, their dependencies; services with `attach: false` left out; then `--no-attach`.
 */
export function attachedServices(project: Project, options: AttachedUpOptions): string[] {
  const graph = serviceGraph(project);
  const named = options.services && options.services.length > 0 ? options.services : Object.keys(project.services);
  const started = options.noDeps ? new Set(named) : withDependencies(graph, named);
  let attach: string[];
  if (options.attach && options.attach.length > 0) {
    const unexpected = options.attach.filter((s) => !started.has(s));
    if (unexpected.length > 0) throw new FlotillaError(`cannot attach to services not included in up: ${unexpected.join(', ')}`);
    attach = [...new Set(options.attach)];
  } else {
    const candidates = options.attachDependencies ? [...started] : named;
    attach = candidates.filter((s) => project.services[s]?.attach !== false);
  }
  const excluded = new Set(options.noAttach ?? []);
  return attach.filter((s) => !excluded.has(s)).sort();
}

/**
 * Follows the attached services' logs from `since`. The log stream ends when none of its containers runs; if the
 * watched ones are not all done (a restart, a recreate in progress), it resumes at the next start.
 */
async function followLogs(project: Project, session: Session, options: AttachedUpOptions, services: string[], since: number,
  monitor: ExitMonitor, signal: AbortSignal, onLine: LogSink): Promise<void> {
  const { logs } = await import('./logs.js');
  let from = since;
  let finished = false;
  void monitor.done().then(() => (finished = true), () => (finished = true));
  while (!signal.aborted) {
    await logs({
      ...sessionOptions(project, session, options), services, follow: true, since: String(from / 1000),
      timestamps: options.timestamps, signal, onContainer: options.onContainer,
    }, onLine);
    // what was written until now is shown: a later run of the stream starts here
    from = Date.now();
    if (finished || signal.aborted) return;
    await Promise.race([monitor.nextStart(), monitor.done(), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    if (finished) return;
  }
}

/** Stops the services `up` was asked for (all when none), as `stop` does: dependents first, with its progress. */
async function stopProjectServices(project: Project, session: Session, options: AttachedUpOptions): Promise<void> {
  const { stopProject } = await import('./lifecycle.js');
  await stopProject({ ...sessionOptions(project, session, options), services: options.services, timeoutSec: options.timeoutSec,
    onEvent: options.onEvent, onWarning: options.onWarning });
}

async function killProjectServices(project: Project, session: Session, options: AttachedUpOptions): Promise<void> {
  const { kill } = await import('./kill.js');
  await kill({ ...sessionOptions(project, session, options), services: options.services, killSignal: 'SIGKILL' });
}

/** The options of a nested API call: the same project, on this session's engine, without this run's signal. */
function sessionOptions(project: Project, session: Session, options: AttachedUpOptions): AttachedUpOptions {
  const { signal: _signal, forceSignal: _force, onEvent: _onEvent, onPlan: _onPlan, dryRun: _dryRun, ...rest } = options;
  return { ...rest, engine: session.engine, projectName: project.name };
}

function shortDisplayName(name: string, project: string): string {
  return name.startsWith(`${project}-`) || name.startsWith(`${project}_`) ? name.slice(project.length + 1) : name;
}
