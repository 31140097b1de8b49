/**
 * `run`: a one-off container from a service's configuration. Unless `noDeps`, the services it depends on are
 * brought up first (with `up`'s machinery) and their `depends_on` conditions waited for; the networks and volumes
 * it uses are created when missing. Attached, the container's output is streamed and its exit code returned.
 */
import type { Readable, Writable } from 'node:stream';
import { ConflictError, NotFoundError } from '../engine/errors.js';
import type { ContainerSpec, Engine } from '../engine/types.js';
import { FlotillaError } from '../errors.js';
import type { Project, Service } from '../model/types.js';
import { volumeLabels } from '../reconcile/labels.js';
import { networkSpec } from '../reconcile/resources.js';
import { DependencyFailedError, waitForCondition } from '../reconcile/waits.js';
import { linkedController, pumpOutput, type TerminalSize } from './exec.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, NoSuchServiceError, resolveProjectScope } from './project-containers.js';
import { newSlug, oneOffSpec, type OneOffOverrides } from './run-spec.js';
import { withSession } from './session.js';
import { closestName } from './suggest.js';

/** Options of `run`: the service, the command, and the overrides of the service's configuration. */
export interface RunOptions extends ProjectOptions, Omit<OneOffOverrides, 'attach'> {
  service: string;
  /** Start the container and return its name without waiting (`-d`). */
  detach?: boolean;
  /** Remove the container (and its anonymous volumes) once it exited (`--rm`). */
  rm?: boolean;
  /** Do not start the services it depends on (`--no-deps`). */
  noDeps?: boolean;
  /** Piped to the container's stdin when `interactive`. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  terminal?: TerminalSize;
  /** Called once dependencies are up, just before the container starts (e.g. to end a progress display). */
  onPrepared?: () => void | Promise<void>;
}

/** The one-off container and, when it was waited for, its exit code. */
export interface RunResult {
  id: string;
  name: string;
  /** The container's exit code; 0 when detached. */
  exitCode: number;
}

/** Runs a one-off container of a service (`run`): dependencies started first unless `noDeps`; resolves with its exit code. */
export async function runOneOff(options: RunOptions): Promise<RunResult> {
  if (options.detach && options.rm) throw new FlotillaError('--rm and -d cannot be combined');
  const scope = await resolveProjectScope(options);
  const project = scope.project;
  if (!project) throw new FlotillaError('run needs the compose file: no compose file found');
  const service = project.services[options.service] ?? project.disabled_services[options.service];
  if (!service) {
    const known = [...Object.keys(project.services), ...Object.keys(project.disabled_services)];
    throw new NoSuchServiceError(options.service, closestName(options.service, known));
  }
  if (!options.noDeps) await startDependencies(options, service);
  return withSession(options, async (session) => {
    const engine = session.engine;
    if (!options.noDeps) await waitForDependencies(engine, project, service, options);
    await ensureResources(engine, project, service);
    await options.onPrepared?.();
    const interactive = !options.detach && (options.interactive ?? false);
    const spec = oneOffSpec(project, service, { ...options, interactive, attach: !options.detach }, newSlug(),
      options.compatibility ? { compatibility: true } : undefined);
    const { id } = await createWithImage(engine, spec);
    if (options.detach) {
      await engine.startContainer(id);
      return { id, name: spec.name, exitCode: 0 };
    }
    try {
      return { id, name: spec.name, exitCode: await runAttached(engine, id, options, interactive) };
    } finally {
      if (options.rm) await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
    }
  });
}

/** Attach first (so no output is missed), start, stream until the container exits, then its exit code. */
async function runAttached(engine: Engine, id: string, options: RunOptions, interactive: boolean): Promise<number> {
  const connection = linkedController(options.signal);
  const session = await engine.attachContainer(id, { stdin: interactive, streamOnly: true, signal: connection.signal });
  const onAbort = (): void => void engine.stopContainer(id).catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await engine.startContainer(id);
    if (interactive && session.stdin && options.stdin) options.stdin.pipe(session.stdin);
    await pumpOutput(session.output, options.stdout, options.stderr);
    const { exitCode } = await engine.waitContainer(id, 'not-running');
    return exitCode;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (session.stdin) options.stdin?.unpipe(session.stdin);
    await session.close();
  }
}

/** The image may not be there yet (nothing else uses it): pull it once, as `run` does. */
async function createWithImage(engine: Engine, spec: ContainerSpec): Promise<{ id: string }> {
  try {
    return await engine.createContainer(spec);
  } catch (error) {
    if (!(error instanceof NotFoundError) || error.kind !== 'image') throw error;
    await engine.pullImage(spec.image);
    return engine.createContainer(spec);
  }
}

/** `up` of the services this one depends on (their own dependencies come with them). */
async function startDependencies(options: RunOptions, service: Service): Promise<void> {
  const dependencies = Object.keys(service.depends_on ?? {});
  if (dependencies.length === 0) return;
  const { applyProject } = await import('./up.js');
  await applyProject({
    files: options.files, projectName: options.projectName, projectDirectory: options.projectDirectory,
    envFiles: options.envFiles, profiles: options.profiles, engine: options.engine, parallel: options.parallel,
    compatibility: options.compatibility, env: options.env, cwd: options.cwd, signal: options.signal,
    onEvent: options.onEvent, onWarning: options.onWarning, services: dependencies,
  }, 'up');
}

/** Each `depends_on` condition of the service, as `up` waits for them; optional ones only warn. */
async function waitForDependencies(engine: Engine, project: Project, service: Service, options: RunOptions): Promise<void> {
  const entries = Object.entries(service.depends_on ?? {});
  await Promise.all(entries.map(async ([dependency, condition]) => {
    const containers = await findProjectContainers(engine, project.name, { services: [dependency] });
    try {
      await waitForCondition(engine, {
        service: dependency, condition: condition.condition, dependent: service.name,
        containers: containers.map((c) => ({ id: c.id, name: c.name })),
      }, { signal: options.signal });
    } catch (error) {
      if (condition.required || !(error instanceof DependencyFailedError)) throw error;
      options.onWarning?.(`optional dependency ${dependency} of ${service.name}: ${error.message}`);
    }
  }));
}

/** Networks and named volumes the container needs, created when missing (external ones must exist already). */
async function ensureResources(engine: Engine, project: Project, service: Service): Promise<void> {
  const ignoreRace = (error: unknown): void => {
    if (!(error instanceof ConflictError)) throw error;
  };
  if (service.network_mode === undefined) {
    for (const key of Object.keys(service.networks ?? {})) {
      const network = project.networks[key];
      if (!network || network.external) continue;
      const existing = await engine.listNetworks({ names: [network.name] });
      if (existing.length === 0) await engine.createNetwork(networkSpec(project, key, network)).catch(ignoreRace);
    }
  }
  for (const mount of service.volumes ?? []) {
    if (mount.type !== 'volume' || mount.source === undefined) continue;
    const volume = project.volumes[mount.source];
    if (!volume || volume.external) continue;
    const existing = await engine.listVolumes({ names: [volume.name] });
    if (existing.length > 0) continue;
    await engine.createVolume({
      name: volume.name, labels: volumeLabels(project, mount.source, volume),
      ...(volume.driver ? { driver: volume.driver } : {}), ...(volume.driver_opts ? { driverOpts: volume.driver_opts } : {}),
    }).catch(ignoreRace);
  }
}
