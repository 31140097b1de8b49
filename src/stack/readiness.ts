/**
 * Waiting until a stack is ready, and failing the moment it cannot be: `up --wait` semantics (every service running,
 * or healthy when it has a healthcheck; a one-shot that others depend on with `service_completed_successfully`
 * completed with exit 0), but driven by the engine's event stream. Every container event of the project triggers an
 * inspection of that container, so an exit or an unhealthy status fails the wait within the time of one inspection
 * after the engine announces it, and a service that was ready and regresses while another one is still starting
 * fails it too. A slow poll (every 2 s) backs the events up in case the stream drops.
 */
import { NotFoundError } from '../engine/errors.js';
import type { ContainerDetails, Engine, EngineEvent } from '../engine/types.js';
import { serviceScale, type Project } from '../model/types.js';
import { Label } from '../reconcile/labels.js';
import { judge } from '../reconcile/waits.js';
import { ServiceNotReadyError, StackTimeoutError, type ServiceFailure } from './errors.js';
import type { ReadyStackEvent, StateStackEvent } from './events.js';
import { lastLogLines } from './log-tail.js';

/** What a service is waited for. */
export type ReadinessCondition = 'running_or_healthy' | 'service_completed_successfully';

/**
 * The services to wait for, with their condition: the selected ones (all when none) and everything they depend on,
 * minus services scaled to 0. A service another one depends on with `service_completed_successfully` is a one-shot:
 * it must complete, not keep running.
 */
export function readinessTargets(project: Project, selected?: string[]): Map<string, ReadinessCondition> {
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name) || !project.services[name]) return;
    wanted.add(name);
    for (const dep of Object.keys(project.services[name]!.depends_on ?? {})) visit(dep);
  };
  for (const name of selected && selected.length > 0 ? selected : Object.keys(project.services)) visit(name);
  const oneShots = new Set<string>();
  for (const name of wanted) {
    for (const [dep, d] of Object.entries(project.services[name]!.depends_on ?? {})) {
      if (d.condition === 'service_completed_successfully') oneShots.add(dep);
    }
  }
  const targets = new Map<string, ReadinessCondition>();
  for (const name of [...wanted].sort()) {
    if (serviceScale(project.services[name]!) === 0) continue;
    targets.set(name, oneShots.has(name) ? 'service_completed_successfully' : 'running_or_healthy');
  }
  return targets;
}

/** How long to wait, and who hears about state changes meanwhile. */
export interface WaitForStackOptions {
  /** Bound on the whole wait; StackTimeoutError after it. */
  timeoutMs: number;
  signal?: AbortSignal;
  onState?: (event: StateStackEvent) => void;
  onReady?: (event: ReadyStackEvent) => void;
  /** Lines of log in a failure (default 20). */
  logLines?: number;
  /** Interval of the backstop poll (default 2000 ms). */
  backstopMs?: number;
}

interface Tracked {
  id: string;
  name: string;
  service: string;
  condition: ReadinessCondition;
  ready: boolean;
  /** `state/health`, to report changes only. */
  seen?: string;
  details?: ContainerDetails;
}

/**
 * Resolves when every container of the target services meets its condition at once; rejects with
 * ServiceNotReadyError (the service, the reason, its last log lines) as soon as one cannot, and with
 * StackTimeoutError after `timeoutMs`.
 */
export async function waitForStack(engine: Engine, projectName: string, targets: Map<string, ReadinessCondition>,
  options: WaitForStackOptions): Promise<void> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const startedAt = Date.now();
  let settled = false;
  let resolveWait!: () => void;
  let rejectWait!: (error: unknown) => void;
  const outcome = new Promise<void>((resolve, reject) => {
    resolveWait = resolve;
    rejectWait = reject;
  });
  const finish = (error?: unknown): void => {
    if (settled) return;
    settled = true;
    stop.abort(new Error('wait over'));
    if (error === undefined) resolveWait();
    else rejectWait(error);
  };
  options.signal?.addEventListener('abort', () => finish(options.signal?.reason ?? new Error('aborted')), { once: true, signal: stop.signal });

  // Events first (replayed from just before the listing), so that no change between the two is missed.
  const events = engine.events({ labels: { [Label.project]: projectName }, types: ['container'], since: startedAt - 1000, signal });
  const tracked = new Map<string, Tracked>();
  const chains = new Map<string, Promise<void>>();

  const evaluate = async (entry: Tracked, time: number): Promise<void> => {
    if (settled) return;
    let details: ContainerDetails;
    try {
      details = await engine.inspectContainer(entry.id);
    } catch (error) {
      if (error instanceof NotFoundError) return fail(entry, 'removed', `container ${entry.name} was removed`);
      throw error;
    }
    entry.details = details;
    const health = details.health?.status;
    const seen = `${details.state}/${health ?? ''}`;
    if (seen !== entry.seen) {
      entry.seen = seen;
      options.onState?.({ type: 'state', service: entry.service, container: entry.name, state: details.state,
        ...(health && health !== 'none' ? { health } : {}), ...(details.state === 'exited' ? { exitCode: details.exitCode } : {}), time });
    }
    const verdict = judge(entry.condition, details, entry.service);
    if ('failed' in verdict) {
      const failure: ServiceFailure = health === 'unhealthy' && details.state === 'running' ? 'unhealthy' : 'exited';
      return fail(entry, failure, verdict.failed, details);
    }
    const wasReady = entry.ready;
    entry.ready = verdict.done;
    if (verdict.done && !wasReady) options.onReady?.({ type: 'ready', service: entry.service, container: entry.name, state: verdict.state, time });
    if ([...tracked.values()].every((t) => t.ready)) finish();
  };
  const schedule = (entry: Tracked, time: number): void => {
    const next = (chains.get(entry.id) ?? Promise.resolve()).then(() => evaluate(entry, time)).catch((error) => finish(error));
    chains.set(entry.id, next);
  };
  const fail = async (entry: Tracked, failure: ServiceFailure, reason: string, details?: ContainerDetails): Promise<void> => {
    if (settled) return;
    const logs = await lastLogLines(engine, entry.id, options.logLines);
    const healthOutput = failure === 'unhealthy' ? details?.health?.log.at(-1)?.output : undefined;
    finish(new ServiceNotReadyError(entry.service, entry.name, failure, reason, logs, {
      exitCode: failure === 'exited' ? details?.exitCode : undefined, healthOutput,
    }));
  };

  const timer = setTimeout(() => void timeOut(), Math.max(0, options.timeoutMs));
  const timeOut = async (): Promise<void> => {
    const pending = [...tracked.values()].filter((t) => !t.ready);
    const described = await Promise.all(pending.map(async (t) => ({
      service: t.service, container: t.name, state: describe(t.details), logs: await lastLogLines(engine, t.id, 10),
    })));
    finish(new StackTimeoutError(options.timeoutMs, described));
  };
  const backstop = setInterval(() => {
    for (const entry of tracked.values()) schedule(entry, Date.now());
  }, options.backstopMs ?? 2000);

  void pumpEvents(events, (event) => {
    if (!changesState(event)) return;
    const entry = tracked.get(event.id);
    if (entry) schedule(entry, event.time);
  });

  try {
    const listed = await engine.listContainers({ all: true, labels: { [Label.project]: projectName } });
    for (const c of listed) {
      const service = c.labels[Label.service];
      if (!service || c.labels[Label.oneoff] === 'True') continue;
      const condition = targets.get(service);
      if (condition) tracked.set(c.id, { id: c.id, name: c.name, service, condition, ready: false });
    }
    const missing = [...targets.keys()].filter((s) => ![...tracked.values()].some((t) => t.service === s));
    if (missing.length > 0) {
      finish(new ServiceNotReadyError(missing[0]!, '', 'removed', `service "${missing[0]}" has no container`, []));
    } else if (tracked.size === 0) {
      finish();
    }
    for (const entry of tracked.values()) schedule(entry, Date.now());
    await outcome;
  } catch (error) {
    finish(error);
    await outcome;
  } finally {
    clearTimeout(timer);
    clearInterval(backstop);
    stop.abort(new Error('wait over'));
  }
}

/**
 * Reports every state change of the project's containers until `signal` aborts: the feed behind a running stack's
 * `state` events. Containers are inspected on each of their events, so the report carries health and exit codes.
 */
export async function watchStackStates(engine: Engine, projectName: string, signal: AbortSignal,
  onState: (event: StateStackEvent) => void): Promise<void> {
  const seen = new Map<string, string>();
  const events = engine.events({ labels: { [Label.project]: projectName }, types: ['container'], signal });
  await pumpEvents(events, async (event) => {
    if (!changesState(event)) return;
    const service = event.attributes[Label.service];
    if (!service || event.attributes[Label.oneoff] === 'True') return;
    let details: ContainerDetails;
    try {
      details = await engine.inspectContainer(event.id);
    } catch {
      return; // removed: nothing left to report about
    }
    const health = details.health?.status;
    const key = `${details.state}/${health ?? ''}`;
    if (seen.get(event.id) === key) return;
    seen.set(event.id, key);
    onState({ type: 'state', service, container: details.name, state: details.state,
      ...(health && health !== 'none' ? { health } : {}), ...(details.state === 'exited' ? { exitCode: details.exitCode } : {}),
      time: event.time });
  });
}

/** Health checks run as execs: their exec_* events change nothing until the `health_status` event that follows. */
function changesState(event: EngineEvent): boolean {
  return !event.action.startsWith('exec_');
}

/** Reads the event stream to its end; an abort or a dropped stream just ends it (the backstop poll remains). */
async function pumpEvents(events: AsyncIterable<EngineEvent>, onEvent: (event: EngineEvent) => void | Promise<void>): Promise<void> {
  try {
    for await (const event of events) await onEvent(event);
  } catch {
    // aborted, or the engine closed the stream
  }
}

function describe(details: ContainerDetails | undefined): string {
  if (!details) return 'not inspected yet';
  const health = details.health?.status;
  return health && health !== 'none' ? `${details.state}, ${health}` : details.state;
}
