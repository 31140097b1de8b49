/**
 * What a stack reports while it starts and runs: the executor's progress events as they are, and container state
 * changes (started, healthy, unhealthy, exited) seen through the engine's event stream. Listeners get them through
 * a small typed emitter; `iterate()` turns the same feed into an async iterator.
 */
import type { ContainerState, HealthStatus } from '../engine/types.js';
import type { ExecutionEvent } from '../reconcile/events.js';

/** One step of `up` or `down` (creating a network, starting a container, a dependency wait ...). */
export interface ProgressStackEvent {
  type: 'progress';
  event: ExecutionEvent;
}

/** A container's state or health changed (as the engine's events and an inspection say). */
export interface StateStackEvent {
  type: 'state';
  service: string;
  container: string;
  state: ContainerState;
  /** Absent when the container has no healthcheck. */
  health?: HealthStatus;
  exitCode?: number;
  /** ms since the epoch, from the engine event that announced the change. */
  time: number;
}

/** A service's containers all reached the condition the stack waits for (`Healthy`, `Running`, `Exited`). */
export interface ReadyStackEvent {
  type: 'ready';
  service: string;
  container: string;
  /** Docker Compose's word: `Healthy`, `Running`, `Exited` (a one-shot that completed). */
  state: string;
  time: number;
}

/** A warning of the loader or the planner (an unset variable, an optional dependency that failed ...). */
export interface WarningStackEvent {
  type: 'warning';
  message: string;
}

/** Everything a stack reports. */
export type StackEvent = ProgressStackEvent | StateStackEvent | ReadyStackEvent | WarningStackEvent;
/** `progress`, `state`, `ready` or `warning`. */
export type StackEventType = StackEvent['type'];
/** The event type whose `type` is T. */
export type StackEventOf<T extends StackEventType> = Extract<StackEvent, { type: T }>;
/** A listener for events of type T. */
export type StackListener<T extends StackEventType> = (event: StackEventOf<T>) => void;

/** A typed emitter: `on('state', (e) => e.health)` knows `e` is a StateStackEvent. Listener errors are not ours. */
export class StackEventEmitter {
  private readonly listeners = new Map<StackEventType | '*', Set<(event: StackEvent) => void>>();

  /** Adds a listener for one event type, or `'*'` for all; returns its removal. */
  on<T extends StackEventType>(type: T, listener: StackListener<T>): () => void;
  on(type: '*', listener: (event: StackEvent) => void): () => void;
  on(type: StackEventType | '*', listener: (event: never) => void): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener as (event: StackEvent) => void);
    this.listeners.set(type, set);
    this.onSubscribe?.();
    return () => this.off(type, listener);
  }

  off(type: StackEventType | '*', listener: (event: never) => void): void {
    this.listeners.get(type)?.delete(listener as (event: StackEvent) => void);
  }

  emit(event: StackEvent): void {
    for (const key of [event.type, '*'] as const) {
      for (const listener of this.listeners.get(key) ?? []) {
        try {
          listener(event);
        } catch {
          // a throwing listener must not stop the stack's own bookkeeping
        }
      }
    }
  }

  /**
   * Every event from now on, until `signal` aborts or the loop breaks. Events that arrive while the consumer is busy
   * are queued, so none is lost.
   */
  async *iterate(signal?: AbortSignal): AsyncGenerator<StackEvent> {
    const queue: StackEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = this.on('*', (event) => {
      queue.push(event);
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      stop();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Called whenever a listener is added (the stack starts watching the engine lazily). */
  onSubscribe?: () => void;
}
