/**
 * Everything a stack needs before its first container: the engine, the files, a unique project name, the
 * ephemeral label and the reaper that honours it. Also turns a failed start into an error that names the service
 * and shows its last log lines.
 */
import type { ProjectOptions } from '../api/options.js';
import { findProjectContainers } from '../api/project-containers.js';
import { loadComposeProject } from '../api/session.js';
import type { Engine } from '../engine/types.js';
import { ExecutionError } from '../reconcile/execute.js';
import { Label } from '../reconcile/labels.js';
import { DependencyFailedError } from '../reconcile/waits.js';
import { ServiceNotReadyError, StackTimeoutError } from './errors.js';
import { autoProjectName, EPHEMERAL_LABEL, ephemeralLabelValue, writeLabelOverride, type LabelOverride } from './isolation.js';
import { lastLogLines } from './log-tail.js';
import type { StackUpOptions } from './options.js';
import { startReaper, type ReaperHandle } from './reaper.js';

/** What a started (or starting) stack holds on to. */
export interface StackContext {
  projectName: string;
  /** The compose files as given or found (absolute), without the label override. */
  files: string[];
  /** What every API call of this stack receives: the same files, name, variables and engine each time. */
  apiOptions: ProjectOptions;
  engine: Engine;
  ownsEngine: boolean;
  ephemeral: boolean;
  services?: string[];
  override?: LabelOverride;
  reaper?: ReaperHandle;
}

/** Resolves the options into a context; on failure, releases whatever it had already taken. */
export async function prepareStack(options: StackUpOptions): Promise<StackContext> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const auto = options.projectName === undefined || options.projectName === 'auto';
  const ephemeral = options.ephemeral ?? auto;
  let engine: Engine | undefined;
  let ownsEngine = false;
  let override: LabelOverride | undefined;
  let reaper: ReaperHandle | undefined;
  try {
    if (typeof options.engine === 'object') {
      engine = options.engine;
    } else {
      const { createEngine } = await import('../engine/select.js');
      // FLOTILLA_DATA_ROOT among the stack's variables counts like FLOTILLA_ENGINE does; the embedded engine itself
      // reads only the process environment.
      const dataRoot = env.FLOTILLA_DATA_ROOT;
      engine = await createEngine({ engine: options.engine ?? 'auto', env, ...(dataRoot ? { embedded: { dataRoot } } : {}) });
      ownsEngine = true;
    }
    const base: ProjectOptions = { files: options.files, profiles: options.profiles, env, cwd: options.cwd };
    const project = await loadComposeProject({ ...base, projectName: auto ? undefined : options.projectName }, options.services);
    const projectName = auto ? autoProjectName(project.name) : project.name;
    const files = [...project.compose_files];
    if (ephemeral) {
      override = await writeLabelOverride(project, { [EPHEMERAL_LABEL]: ephemeralLabelValue() });
      // The watcher must reach this very engine: the Docker endpoint, or the embedded data root (an Engine passed
      // in, or one chosen through the stack's variables, need not match the watcher's environment).
      const info = await engine.info();
      reaper = await startReaper({
        project: projectName, engine: engine.kind, env,
        ...(engine.kind === 'docker' ? { dockerHost: info.endpoint } : { dataRoot: info.endpoint }),
        cleanupDir: override.path.slice(0, override.path.lastIndexOf('/')),
      });
    }
    const apiOptions: ProjectOptions = {
      ...base, files: override ? [...files, override.path] : files, projectName, engine,
      // the directory of the user's first file, not the override's
      projectDirectory: project.working_dir,
    };
    return { projectName, files, apiOptions, engine, ownsEngine, ephemeral, services: options.services, override, reaper };
  } catch (error) {
    reaper?.release();
    await override?.remove();
    if (ownsEngine) await engine?.close();
    throw error;
  }
}

/**
 * The error a failed start should raise: a failed `depends_on` condition becomes ServiceNotReadyError (with the
 * dependency's last log lines) or StackTimeoutError; an abort at the deadline becomes StackTimeoutError.
 */
export async function explainStartFailure(error: unknown, context: StackContext,
  settings: { timeoutMs: number; timedOut: boolean; logLines?: number }): Promise<unknown> {
  if (error instanceof ServiceNotReadyError || error instanceof StackTimeoutError) return error;
  const cause = error instanceof ExecutionError ? error.cause : error;
  if (cause instanceof DependencyFailedError) {
    const [container] = await findProjectContainers(context.engine, context.projectName, { services: [cause.service] }).catch(() => []);
    const logs = container ? await lastLogLines(context.engine, container.id, settings.logLines) : [];
    const details = container ? await context.engine.inspectContainer(container.id).catch(() => undefined) : undefined;
    if (/timeout/.test(cause.message)) {
      return new StackTimeoutError(settings.timeoutMs, [{
        service: cause.service, container: container?.name ?? '', state: details ? details.health?.status ?? details.state : 'unknown', logs,
      }]);
    }
    const exited = details?.state === 'exited' || details?.state === 'dead';
    const unhealthy = details?.health?.status === 'unhealthy';
    return new ServiceNotReadyError(cause.service, container?.name ?? '', exited ? 'exited' : unhealthy ? 'unhealthy' : 'dependency',
      cause.message, logs, {
        cause: error,
        exitCode: exited ? details?.exitCode : undefined,
        healthOutput: unhealthy ? details?.health?.log.at(-1)?.output : undefined,
      });
  }
  if (settings.timedOut) {
    const containers = await findProjectContainers(context.engine, context.projectName).catch(() => []);
    const pending = await Promise.all(containers.filter((c) => c.state !== 'running' || /\((health: starting|unhealthy)\)/.test(c.status))
      .map(async (c) => ({ service: c.labels[Label.service] ?? '', container: c.name, state: c.status,
        logs: await lastLogLines(context.engine, c.id, 10) })));
    return new StackTimeoutError(settings.timeoutMs, pending);
  }
  return error;
}
