/**
 * Pushing images to their registries, several at once under a limit, each with its registry's credentials. Like
 * pulls, failures are collected rather than thrown, so `push --ignore-push-failures` can carry on.
 */
import type { Engine } from '../engine/types.js';
import { createLimiter } from '../reconcile/limiter.js';
import { RegistryCredentials } from './auth.js';
import { itemEmitter, type ImageEventListener } from './events.js';

export interface PushTarget {
  /** The reference to push (`image:` or one of `build.tags`). */
  image: string;
  service: string;
}

export interface PushImagesOptions {
  onEvent?: ImageEventListener;
  signal?: AbortSignal;
  /** Pushes at once; default 4. */
  parallel?: number;
  credentials?: RegistryCredentials;
  env?: NodeJS.ProcessEnv;
}

export interface PushOutcome {
  pushed: Array<PushTarget & { digest?: string }>;
  failed: Array<PushTarget & { error: Error }>;
}

const DEFAULT_PARALLEL_PUSHES = 4;

export async function pushImages(engine: Engine, targets: PushTarget[], options: PushImagesOptions = {}): Promise<PushOutcome> {
  const outcome: PushOutcome = { pushed: [], failed: [] };
  if (targets.length === 0) return outcome;
  options.onEvent?.({
    type: 'queued', operation: 'push', time: Date.now(),
    items: targets.map((t) => ({ service: t.service, image: t.image })),
  });
  const credentials = options.credentials ?? await RegistryCredentials.load(options.env);
  const limiter = createLimiter(options.parallel ?? DEFAULT_PARALLEL_PUSHES);
  await Promise.all(targets.map((target) => limiter.run(async () => {
    const emit = itemEmitter(options.onEvent, 'push', target.service, target.image);
    const started = Date.now();
    try {
      options.signal?.throwIfAborted();
      emit({ type: 'started' });
      const auth = await credentials.forImage(target.image);
      const { digest } = await engine.pushImage(target.image, {
        ...(auth ? { auth } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (event) => {
          if (event.kind === 'layer') emit({ type: 'layer', layer: event.id, status: event.status,
            ...(event.current !== undefined ? { current: event.current } : {}), ...(event.total !== undefined ? { total: event.total } : {}) });
          else if (event.kind === 'status') emit({ type: 'status', message: event.message });
        },
      });
      outcome.pushed.push({ ...target, ...(digest ? { digest } : {}) });
      emit({ type: 'done', elapsedMs: Date.now() - started, ...(digest ? { digest } : {}) });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      outcome.failed.push({ ...target, error: failure });
      emit({ type: 'failed', elapsedMs: Date.now() - started, error: failure.message });
    }
  })));
  options.signal?.throwIfAborted();
  return outcome;
}
