/**
 * Building the images of a project's services with `build:` sections. Every build section is checked first (an
 * unsupported attribute stops everything before the first build starts); builds then run concurrently under a
 * limit, each streaming its context and reporting its steps. The first failure cancels the builds still running
 * and is raised as an ImageBuildError naming the service, the failing step, its exit code and its last lines.
 */
import type { Engine, ProgressEvent, RegistryAuth } from '../engine/types.js';
import type { Project, Service } from '../model/types.js';
import { createLimiter } from '../reconcile/limiter.js';
import { RegistryCredentials } from './auth.js';
import { buildRequest, type BuildOverrides, type BuildRequest } from './build-request.js';
import { createBuildContext } from './context.js';
import { ImageBuildError } from './errors.js';
import { itemEmitter, type ImageEventBody, type ImageEventListener } from './events.js';
import { cloneGitContext, isRemoteContext } from './git-context.js';
import { timingMark } from './timing.js';

export interface BuildImagesOptions extends BuildOverrides {
  /** Services to build; default (undefined) every service with a build section. Services without one are ignored. */
  services?: string[];
  onEvent?: ImageEventListener;
  signal?: AbortSignal;
  /** Builds at once; default 4. */
  parallel?: number;
  /** Why each service is built (shown in the queue), from ensureImages. */
  reasons?: Record<string, string>;
  credentials?: RegistryCredentials;
  env?: NodeJS.ProcessEnv;
}

export interface BuiltImage {
  service: string;
  /** The image's name (`image:` or `<project>-<service>`). */
  image: string;
  imageId: string;
  /** Every tag given to it (the name and `build.tags`). */
  tags: string[];
  /** Other services that share the image (same name): built once for all. */
  alsoFor: string[];
  elapsedMs: number;
}

const DEFAULT_PARALLEL_BUILDS = 4;
/** Lines of the failing step kept for the error. */
const LAST_LINES = 15;

/** The services of `names` (undefined: all; empty: none) that have a build section, one per image name. */
export function buildableServices(project: Project, names?: string[]): Array<{ service: Service; alsoFor: string[] }> {
  const selected = names ?? Object.keys(project.services).sort();
  const byImage = new Map<string, { service: Service; alsoFor: string[] }>();
  for (const name of selected) {
    const service = project.services[name];
    if (!service?.build) continue;
    const image = service.image ?? `${project.name}-${service.name}`;
    const seen = byImage.get(image);
    if (seen) seen.alsoFor.push(name);
    else byImage.set(image, { service, alsoFor: [] });
  }
  return [...byImage.values()];
}

export async function buildImages(project: Project, engine: Engine, options: BuildImagesOptions = {}): Promise<BuiltImage[]> {
  const env = options.env ?? process.env;
  const targets = buildableServices(project, options.services);
  // All requests first: a bad build section anywhere stops the run before anything is built.
  const requests = targets.map(({ service, alsoFor }) => ({ request: buildRequest(project, service, options, env), alsoFor }));
  if (requests.length === 0) return [];
  options.onEvent?.({
    type: 'queued', operation: 'build', time: Date.now(),
    items: requests.map(({ request }) => ({ service: request.service, image: request.image,
      ...(options.reasons?.[request.service] ? { reason: options.reasons[request.service] } : {}) })),
  });

  const credentials = options.credentials ?? await RegistryCredentials.load(env);
  const auth = await credentials.all();
  const cancel = new AbortController();
  const onOuterAbort = (): void => cancel.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const limiter = createLimiter(options.parallel ?? DEFAULT_PARALLEL_BUILDS);
  let firstFailure: unknown;
  try {
    const settled = await Promise.allSettled(requests.map(({ request, alsoFor }) => limiter.run(async () => {
      cancel.signal.throwIfAborted();
      try {
        return { ...(await buildOne(engine, request, auth, cancel.signal, options.onEvent)), alsoFor };
      } catch (error) {
        // One failure stops the others: the run fails anyway, and their output would bury the cause.
        firstFailure ??= error;
        cancel.abort(error);
        throw error;
      }
    })));
    if (firstFailure !== undefined) throw firstFailure;
    options.signal?.throwIfAborted();
    return settled.map((s) => (s as PromiseFulfilledResult<BuiltImage>).value);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** One build: context, engine build with step tracking, and a precise error when it fails. */
export async function buildOne(engine: Engine, request: BuildRequest, auth: Record<string, RegistryAuth>,
  signal: AbortSignal | undefined, onEvent: ImageEventListener | undefined): Promise<Omit<BuiltImage, 'alsoFor'>> {
  const emit = itemEmitter(onEvent, 'build', request.service, request.image);
  const started = Date.now();
  emit({ type: 'started' });
  timingMark(`${request.service}: build started`);
  const steps = new StepTracker(emit);
  const cloned = isRemoteContext(request.context) ? await cloneGitContext(request.context, signal) : undefined;
  let contextFailure: unknown;
  try {
    const context = await createBuildContext({
      contextDir: cloned?.dir ?? request.context,
      ...(request.dockerfile !== undefined ? { dockerfile: request.dockerfile } : {}),
      ...(request.dockerfileInline !== undefined ? { dockerfileInline: request.dockerfileInline } : {}),
      labels: request.imageLabels,
      ...(request.options.target !== undefined ? { target: request.options.target } : {}),
    });
    const labels = { ...request.options.labels, ...context.labelsForEngine };
    timingMark(`${request.service}: context started`);
    context.done.then(
      (stats) => {
        timingMark(`${request.service}: context walked`);
        steps.contextSent();
        emit({ type: 'context', ...stats });
      },
      (error: unknown) => { contextFailure = error; },
    );
    const { imageId } = await engine.buildImage(context.stream, {
      ...request.options,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      dockerfile: context.dockerfile,
      ...(Object.keys(auth).length > 0 ? { auth } : {}),
      onProgress: (event) => steps.read(event),
      ...(signal ? { signal } : {}),
    });
    timingMark(`${request.service}: built`);
    steps.finish();
    const elapsedMs = Date.now() - started;
    emit({ type: 'done', imageId, elapsedMs });
    return { service: request.service, image: request.image, imageId, tags: request.options.tags, elapsedMs };
  } catch (error) {
    if (signal?.aborted) {
      emit({ type: 'failed', elapsedMs: Date.now() - started, error: 'canceled' });
      throw signal.reason ?? error;
    }
    const failure = steps.failure(contextFailure ?? error, request);
    emit({
      type: 'failed', elapsedMs: Date.now() - started, error: failure.detail,
      ...(failure.failedStep ? { ...failure.failedStep } : {}), lastLines: failure.lastLines,
    });
    throw failure;
  } finally {
    await cloned?.remove();
  }
}

/**
 * Turns the engine's build events into step events with their times. The classic builder reports a step on the
 * line after its header, and ends it with the id of the layer it committed (" ---> 3f2a…"), so a step runs from
 * the previous step's end (or the start of the build) to its own layer id, or to the next step when it printed
 * none. Keeps the current step's last lines for the error of a failing build.
 */
class StepTracker {
  private current?: { step: number; total?: number; instruction: string; cached: boolean; started: number };
  private boundary = Date.now();
  private lines: string[] = [];

  constructor(private readonly emit: (body: ImageEventBody) => void) {}

  read(event: ProgressEvent): void {
    switch (event.kind) {
      case 'step':
        this.finish();
        this.current = { step: event.step, ...(event.total !== undefined ? { total: event.total } : {}),
          instruction: event.instruction, cached: event.cached, started: this.boundary };
        this.lines = [];
        this.emit({ type: 'step', step: event.step, ...(event.total !== undefined ? { total: event.total } : {}),
          instruction: event.instruction, cached: event.cached });
        break;
      case 'output':
        this.emit({ type: 'output', line: event.data, ...(this.current ? { step: this.current.step } : {}) });
        if (/^ ---> [0-9a-f]{6,}$/.test(event.data)) {
          this.finish();
        } else if (!/^ ---> |^Removing intermediate container /.test(event.data)) {
          // The builder's own chatter says nothing about why a step failed.
          this.lines.push(event.data);
          if (this.lines.length > LAST_LINES) this.lines.shift();
        }
        break;
      case 'status':
        this.emit({ type: 'status', message: event.message });
        break;
      case 'done':
        this.finish();
        break;
      default:
        break;
    }
  }

  /** The build really starts once the engine has the context; steps before that would count the upload. */
  contextSent(): void {
    if (!this.current) this.boundary = Date.now();
  }

  finish(): void {
    this.boundary = Date.now();
    if (!this.current) return;
    const { started, ...step } = this.current;
    this.emit({ type: 'step-done', ...step, elapsedMs: this.boundary - started });
    this.current = undefined;
  }

  failure(error: unknown, request: BuildRequest): ImageBuildError {
    const step = this.current;
    const message = error instanceof Error ? error.message : String(error);
    // The engine prefixes its call ("build web:"); the daemon's message is what the user needs.
    const detail = message.replace(/^build \S+: /, '');
    const exit = /returned a non-zero code: (\d+)/.exec(detail);
    return new ImageBuildError(request.service, request.image, detail,
      step ? { step: step.step, ...(step.total !== undefined ? { total: step.total } : {}), instruction: step.instruction } : undefined,
      exit ? Number(exit[1]) : undefined, [...this.lines], { cause: error });
  }
}
