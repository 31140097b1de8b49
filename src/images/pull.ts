/**
 * Pulling images, several at once under a limit, each with the credentials its registry needs. A failed pull
 * does not stop the others: the result lists what was pulled and what failed, and the caller decides what a
 * failure means (an error, a warning, or a build instead).
 */
import type { Engine } from '../engine/types.js';
import { createLimiter } from '../reconcile/limiter.js';
import { RegistryCredentials } from './auth.js';
import { itemEmitter, type ImageEventListener } from './events.js';
import type { PullRecord, PullState } from './pull-state.js';

export interface PullTarget {
  image: string;
  /** The services that use the image (the first one names it in progress). */
  services: string[];
  platform?: string;
  /** Shown in the queue: why it is pulled. */
  reason?: string;
}

export interface PullImagesOptions {
  onEvent?: ImageEventListener;
  signal?: AbortSignal;
  /** Pulls at once; default 4. */
  parallel?: number;
  credentials?: RegistryCredentials;
  env?: NodeJS.ProcessEnv;
  /** Where pull times are recorded, for the time-based pull policies. */
  state?: PullState;
}

export interface PullOutcome {
  pulled: Array<PullTarget & { imageId: string; digest?: string }>;
  failed: Array<PullTarget & { error: Error }>;
}

const DEFAULT_PARALLEL_PULLS = 4;

export async function pullImages(engine: Engine, targets: PullTarget[], options: PullImagesOptions = {}): Promise<PullOutcome> {
  const outcome: PullOutcome = { pulled: [], failed: [] };
  if (targets.length === 0) return outcome;
  options.onEvent?.({
    type: 'queued', operation: 'pull', time: Date.now(),
    items: targets.map((t) => ({ service: t.services[0]!, image: t.image, ...(t.reason ? { reason: t.reason } : {}) })),
  });
  const credentials = options.credentials ?? await RegistryCredentials.load(options.env);
  const limiter = createLimiter(options.parallel ?? DEFAULT_PARALLEL_PULLS);
  const records: Record<string, PullRecord> = {};
  await Promise.all(targets.map((target) => limiter.run(async () => {
    const emit = itemEmitter(options.onEvent, 'pull', target.services[0]!, target.image);
    const started = Date.now();
    try {
      options.signal?.throwIfAborted();
      emit({ type: 'started' });
      const auth = await credentials.forImage(target.image);
      let digest: string | undefined;
      await engine.pullImage(target.image, {
        ...(auth ? { auth } : {}),
        ...(target.platform ? { platform: target.platform } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (event) => {
          if (event.kind === 'layer') emit({ type: 'layer', layer: event.id, status: event.status,
            ...(event.current !== undefined ? { current: event.current } : {}), ...(event.total !== undefined ? { total: event.total } : {}) });
          else if (event.kind === 'status') emit({ type: 'status', message: event.message });
          else if (event.kind === 'done' && event.digest) digest = event.digest;
        },
      });
      const imageId = (await engine.inspectImage(target.image)).id;
      records[target.image] = { pulledAt: Date.now(), imageId };
      outcome.pulled.push({ ...target, imageId, ...(digest ? { digest } : {}) });
      emit({ type: 'done', elapsedMs: Date.now() - started, imageId, ...(digest ? { digest } : {}) });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      outcome.failed.push({ ...target, error: failure });
      emit({ type: 'failed', elapsedMs: Date.now() - started, error: failure.message });
    }
  })));
  // A lost record only means pulling again once: never fail the command for it.
  await options.state?.recordPulls(records).catch(() => undefined);
  options.signal?.throwIfAborted();
  return outcome;
}
