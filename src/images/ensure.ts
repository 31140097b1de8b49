/**
 * Making every service's image present before `up` creates containers, as Docker Compose's ensureImagesExists:
 * decide per service (pull-policy.ts), pull what must be pulled (in parallel), build what must be built (a
 * failed pull of a buildable service falls back to a build), and report the id each service's image has now,
 * so that the reconciler can compare it with the id its containers run.
 *
 * Nothing is pulled or built when any service's image cannot be obtained (a missing image under `never`,
 * `--no-build` with a build-only service, an unsupported build attribute): the error comes first.
 */
import type { Engine } from '../engine/types.js';
import { NotFoundError } from '../engine/errors.js';
import type { Project, Service } from '../model/types.js';
import { serviceImageName } from '../reconcile/names.js';
import { RegistryCredentials } from './auth.js';
import { buildImages, type BuiltImage } from './build.js';
import type { BuildOverrides } from './build-request.js';
import { ImageTransferError, ImageUnavailableError } from './errors.js';
import type { ImageEventListener } from './events.js';
import { decideImageAction, parsePullPolicy, PullPolicyError, type ImageDecision } from './pull-policy.js';
import { PullState, pullStatePath } from './pull-state.js';
import { pullImages, type PullTarget } from './pull.js';

export interface EnsureImagesOptions {
  /** The services whose images are needed (dependencies included by the caller); default all. */
  services?: string[];
  /** `up --build` (true: build every buildable service), `up --no-build` (false: never build), or neither. */
  build?: boolean;
  /** `up --pull`: overrides every service's pull_policy. */
  pull?: 'always' | 'missing' | 'never' | 'build';
  onEvent?: ImageEventListener;
  signal?: AbortSignal;
  /** Pulls and builds at once (each); default 4. */
  parallel?: number;
  env?: NodeJS.ProcessEnv;
  /** Clock, for the time-based policies (tests). */
  now?: () => number;
  /** The pull-time record (default `<state dir>/image-pulls.json`). */
  pullStateFile?: string;
  credentials?: RegistryCredentials;
  /** `--no-cache`, `--pull` (base images), `--build-arg` for the builds this runs. */
  buildOverrides?: BuildOverrides;
}

export type ImageSource = 'present' | 'pulled' | 'built';

export interface ServiceImage {
  /** The reference containers are created from. */
  image: string;
  /** Its id now ("sha256:…"): compare with the id a container runs to tell that the image changed. */
  id: string;
  source: ImageSource;
  /** Why it was pulled or built, or why not ("present locally"). */
  reason: string;
}

export interface EnsureImagesResult {
  /** Service name → its image after pulls and builds. */
  images: Record<string, ServiceImage>;
  /** References pulled. */
  pulled: string[];
  /** Images built. */
  built: BuiltImage[];
  /** Pull failures that a build replaced, and similar notes (also sent as `warning` events). */
  warnings: string[];
}

/**
 * Pulls and builds what the selected services need, then returns each service's image id.
 *
 * @param project the loaded project
 * @param engine the engine containers will run on
 * @param options `build`/`pull` as `up --build/--no-build/--pull`, `services` to limit, progress through `onEvent`
 * @throws ImageUnavailableError before any change when an image can be neither pulled nor built
 * @throws ImageTransferError when a pull fails for a service that cannot be built instead (nothing is built then)
 * @throws ImageBuildError / ImageBuildConfigError when a build fails or asks for what the builder cannot do
 */
export async function ensureImages(project: Project, engine: Engine, options: EnsureImagesOptions = {}): Promise<EnsureImagesResult> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const services = selectServices(project, options.services);
  const refs = [...new Set(services.map((s) => serviceImageName(project, s)))];
  const localIds = await localImageIds(engine, refs);

  const state = await pullStateFor(engine, services, options);
  const decisions = new Map<string, ImageDecision>();
  const problems: ImageUnavailableError[] = [];
  for (const service of services) {
    const image = serviceImageName(project, service);
    const localId = localIds.get(image);
    try {
      const policy = options.pull ?? service.pull_policy;
      const lastPulledAt = state && localId && isTimeBased(policy, service.pull_refresh_after)
        ? (await state.lastPull(image, localId))?.pulledAt : undefined;
      decisions.set(service.name, decideImageAction({
        ...(policy !== undefined ? { policy } : {}),
        ...(service.pull_refresh_after !== undefined ? { refreshAfter: service.pull_refresh_after } : {}),
        buildable: service.build !== undefined,
        hasImageName: service.image !== undefined,
        present: localId !== undefined,
        ...(lastPulledAt !== undefined ? { lastPulledAt } : {}),
        now: now(),
        ...(options.build !== undefined ? { build: options.build } : {}),
        command: 'up',
      }));
    } catch (error) {
      if (!(error instanceof PullPolicyError)) throw error;
      problems.push(new ImageUnavailableError(service.name, image, error.message));
    }
  }
  if (problems.length > 0) throw problems[0];

  const warnings: string[] = [];
  const credentials = options.credentials ?? await RegistryCredentials.load(env);
  const toBuild = new Set<string>();
  const reasons: Record<string, string> = {};
  const pulls = new Map<string, PullTarget & { fallback: boolean }>();
  for (const service of services) {
    const decision = decisions.get(service.name)!;
    reasons[service.name] = decision.reason;
    if (decision.action === 'build') toBuild.add(service.name);
    if (decision.action !== 'pull') continue;
    const image = serviceImageName(project, service);
    const target = pulls.get(image) ?? { image, services: [], reason: decision.reason, fallback: true,
      ...(service.platform ? { platform: service.platform } : {}) };
    target.services.push(service.name);
    // The pull may only fail quietly if every service using the image can be built instead.
    target.fallback &&= decision.fallbackToBuild === true;
    pulls.set(image, target);
  }

  const pullState = pulls.size > 0 ? state ?? await openPullState(engine, options) : undefined;
  const outcome = await pullImages(engine, [...pulls.values()], {
    credentials, env, ...(options.onEvent ? { onEvent: options.onEvent } : {}), ...(options.signal ? { signal: options.signal } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}), ...(pullState ? { state: pullState } : {}),
  });
  const fatal = outcome.failed.filter((f) => !pulls.get(f.image)!.fallback);
  if (fatal.length > 0) throw new ImageTransferError('pull', fatal.map((f) => ({ image: f.image, service: f.services[0]!, error: f.error })));
  for (const failed of outcome.failed) {
    const message = `pull of ${failed.image} failed (${failed.error.message.split('\n')[0]}); building it instead`;
    warnings.push(message);
    options.onEvent?.({ type: 'warning', operation: 'pull', service: failed.services[0]!, image: failed.image, message, time: Date.now() });
    for (const name of failed.services) {
      toBuild.add(name);
      reasons[name] = 'pull failed';
    }
  }

  const built = toBuild.size === 0 ? [] : await buildImages(project, engine, {
    ...options.buildOverrides, services: [...toBuild].sort(), reasons, credentials, env,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}), ...(options.signal ? { signal: options.signal } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  });

  const images: Record<string, ServiceImage> = {};
  const pulledIds = new Map(outcome.pulled.map((p) => [p.image, p.imageId]));
  const builtIds = new Map<string, string>();
  for (const b of built) for (const name of [b.service, ...b.alsoFor]) builtIds.set(name, b.imageId);
  for (const service of services) {
    const image = serviceImageName(project, service);
    const builtId = builtIds.get(service.name);
    const pulledId = pulledIds.get(image);
    const source: ImageSource = builtId ? 'built' : pulledId ? 'pulled' : 'present';
    const id = builtId ?? pulledId ?? localIds.get(image) ?? (await engine.inspectImage(image)).id;
    images[service.name] = { image, id, source, reason: reasons[service.name] ?? 'present locally' };
  }
  return { images, pulled: outcome.pulled.map((p) => p.image), built, warnings };
}

/** The services to look at: the named ones (or all), leaving out those that run no image of their own. */
function selectServices(project: Project, names?: string[]): Service[] {
  const selected = names && names.length > 0 ? names : Object.keys(project.services).sort();
  return selected.map((name) => {
    const service = project.services[name];
    if (!service) throw new ImageUnavailableError(name, '', `no such service in project "${project.name}"`);
    return service;
  }).filter((s) => (s.image !== undefined || s.build !== undefined) && s.provider === undefined);
}

/** Image reference → local id, for those present. */
export async function localImageIds(engine: Engine, refs: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await Promise.all(refs.map(async (ref) => {
    try {
      ids.set(ref, (await engine.inspectImage(ref)).id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }));
  return ids;
}

function isTimeBased(policy: string | undefined, refreshAfter: string | undefined): boolean {
  try {
    return parsePullPolicy(policy, refreshAfter).name === 'refresh';
  } catch {
    return false;
  }
}

/** The pull record is read only when some service has a time-based policy (it costs an engine call). */
async function pullStateFor(engine: Engine, services: Service[], options: EnsureImagesOptions): Promise<PullState | undefined> {
  const needed = services.some((s) => isTimeBased(options.pull ?? s.pull_policy, s.pull_refresh_after));
  return needed ? openPullState(engine, options) : undefined;
}

async function openPullState(engine: Engine, options: EnsureImagesOptions): Promise<PullState> {
  const info = await engine.info();
  return new PullState(options.pullStateFile ?? pullStatePath(options.env), `${info.kind}:${info.endpoint}`);
}
