/**
 * Waiting for `depends_on` conditions and for `up --wait`, by inspecting the containers on a short poll.
 * Docker Compose polls every 500 ms; we start at 100 ms (most dependencies become ready within a second or two,
 * and every poll saved there is start-up latency) and slow down to 500 ms after a few seconds.
 */
import type { ContainerDetails, Engine } from '../engine/types.js';
import { NotFoundError } from '../engine/errors.js';
import { FlotillaError } from '../errors.js';
import type { WaitConditionKind } from './plan.js';

export interface WaitedContainer {
  id: string;
  name: string;
}

export interface WaitRequest {
  /** The service waited for. */
  service: string;
  condition: WaitConditionKind;
  containers: WaitedContainer[];
  /** The service that waits, for messages (absent for `up --wait`). */
  dependent?: string;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Initial poll interval (default: 25 ms, 10 ms per container waited for when more); grows to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
  /** Called when one container reached the condition, with the word to show ("Healthy", "Exited", "Running"). */
  onContainerReady?: (container: WaitedContainer, state: string) => void;
}

/** A dependency (or, with `up --wait`, a service) did not reach its condition. */
export class DependencyFailedError extends FlotillaError {
  constructor(message: string, readonly service: string, options: { exitCode?: number } = {}) {
    super(message, { exitCode: options.exitCode });
    this.name = 'DependencyFailedError';
  }
}

type Verdict = { done: true; state: string } | { done: false } | { failed: string; exitCode?: number };

/** What one inspection says about one container and the condition. Pure, for tests. */
export function judge(condition: WaitConditionKind, details: ContainerDetails, serviceName: string): Verdict {
  const name = details.name;
  const exited = details.state === 'exited' || details.state === 'dead';
  const health = details.health?.status;
  switch (condition) {
    case 'service_started':
      return { done: true, state: 'Started' };
    case 'service_healthy':
      if (health === undefined || health === 'none') {
        return { failed: `container ${name} has no healthcheck configured` };
      }
      if (health === 'healthy' && details.state === 'running') return { done: true, state: 'Healthy' };
      if (health === 'unhealthy') return { failed: `container ${name} is unhealthy` };
      if (exited) return { failed: `container ${name} exited (${details.exitCode})` };
      return { done: false };
    case 'service_completed_successfully':
      if (!exited) return { done: false };
      if (details.exitCode === 0) return { done: true, state: 'Exited' };
      return {
        failed: `service "${serviceName}" didn't complete successfully: exit ${details.exitCode}`,
        exitCode: details.exitCode,
      };
    case 'running_or_healthy':
      if (exited) return { failed: `container ${name} exited (${details.exitCode})` };
      if (health !== undefined && health !== 'none') {
        if (health === 'healthy') return { done: true, state: 'Healthy' };
        if (health === 'unhealthy') return { failed: `container ${name} is unhealthy` };
        return { done: false };
      }
      return details.state === 'running' ? { done: true, state: 'Running' } : { done: false };
  }
}

/**
 * Resolves once every container meets the condition; rejects with DependencyFailedError as soon as one cannot
 * (unhealthy, exited, failed), naming it. Rejects with the signal's reason when aborted.
 */
export async function waitForCondition(engine: Engine, request: WaitRequest, options: WaitOptions = {}): Promise<void> {
  if (request.condition === 'service_started') {
    for (const c of request.containers) options.onContainerReady?.(c, 'Started');
    return;
  }
  const pending = new Map(request.containers.map((c) => [c.id, c]));
  // A dependent starts as soon as the check sees the dependency healthy: poll often at first, where most waits
  // end, but keep the engine's load bounded when many containers are waited for.
  const firstPoll = options.pollMs ?? Math.max(25, 10 * request.containers.length);
  const maxPoll = options.maxPollMs ?? 500;
  const started = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    const checks = await Promise.all(
      [...pending.values()].map(async (container) => ({ container, verdict: await inspectVerdict(engine, request, container) })),
    );
    for (const { container, verdict } of checks) {
      if ('failed' in verdict) {
        const prefix = request.dependent !== undefined && request.condition !== 'service_completed_successfully'
          ? 'dependency failed to start: ' : '';
        throw new DependencyFailedError(prefix + verdict.failed, request.service, { exitCode: verdict.exitCode });
      }
      if (verdict.done) {
        pending.delete(container.id);
        options.onContainerReady?.(container, verdict.state);
      }
    }
    if (pending.size === 0) return;
    const elapsed = Date.now() - started;
    await sleep(elapsed < 3000 ? firstPoll : Math.min(maxPoll, Math.max(100, firstPoll) * 2.5), options.signal);
  }
}

async function inspectVerdict(engine: Engine, request: WaitRequest, container: WaitedContainer): Promise<Verdict> {
  try {
    return judge(request.condition, await engine.inspectContainer(container.id), request.service);
  } catch (error) {
    if (error instanceof NotFoundError) return { failed: `container ${container.name} was removed` };
    throw error;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
