/**
 * One concurrency limit for every engine call of an operation (`--parallel`, `COMPOSE_PARALLEL_LIMIT`).
 * Docker Compose applies its limit only to pulls and builds; we apply it to every call, so `--parallel 1` really
 * means one request at a time against a slow or fragile engine.
 */
import type { Engine } from '../engine/types.js';

export interface Limiter {
  /** Runs `task` when a slot is free; the slot is held until the returned promise settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Calls running now (for tests and diagnostics). */
  readonly active: number;
  readonly limit: number;
}

/** `limit` ≤ 0, undefined or Infinity: unlimited. */
export function createLimiter(limit?: number): Limiter {
  const max = limit === undefined || !Number.isFinite(limit) || limit <= 0 ? Infinity : Math.floor(limit);
  let active = 0;
  const queue: Array<() => void> = [];

  const release = (): void => {
    active--;
    const next = queue.shift();
    if (next) next();
  };

  return {
    get active() {
      return active;
    },
    limit: max,
    run<T>(task: () => Promise<T>): Promise<T> {
      const start = (): Promise<T> => {
        active++;
        let result: Promise<T>;
        try {
          result = task();
        } catch (error) {
          result = Promise.reject(error);
        }
        return result.finally(release);
      };
      if (active < max) return start();
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          start().then(resolve, reject);
        });
      });
    },
  };
}

/**
 * The parallelism to use: the flag when given (-1 = unlimited), else COMPOSE_PARALLEL_LIMIT, else unlimited,
 * as Docker Compose resolves it.
 */
export function resolveParallelLimit(flag: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (flag !== undefined && flag !== 0) return flag < 0 ? Infinity : flag;
  const fromEnv = Number.parseInt(env.COMPOSE_PARALLEL_LIMIT ?? '', 10);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return Infinity;
}

/**
 * Long-lived calls that would hold a slot for their whole duration (streams, waits until exit) and could then
 * starve, or deadlock, the calls they wait for. They bypass the limiter.
 */
const UNLIMITED_METHODS = new Set<string>([
  'events', 'containerLogs', 'attachContainer', 'waitContainer', 'exec', 'close', 'kind',
]);

/** The engine with every request-style call going through `limiter`. */
export function limitEngine(engine: Engine, limiter: Limiter): Engine {
  if (limiter.limit === Infinity) return engine;
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || UNLIMITED_METHODS.has(property)) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (...args: unknown[]) =>
        limiter.run(() => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)));
    },
  });
}
