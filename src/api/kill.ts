/** `kill`, `pause`, `unpause`: a signal or a freeze for the project's containers, all at once. */
import type { ContainerState, ContainerSummary } from '../engine/types.js';
import { findOrphans } from '../reconcile/reconcile.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, withProjectScope } from './project-containers.js';

/** Options of `kill`: which services and the signal. */
export interface KillOptions extends ProjectOptions {
  services?: string[];
  /** The signal to send (`-s`); default SIGKILL, as Docker Compose. `signal` is the abort signal of every API call. */
  killSignal?: string;
  /** Also remove containers of services that are no longer in the file (`--remove-orphans`). */
  removeOrphans?: boolean;
  /** Only say which containers would get the signal. */
  dryRun?: boolean;
}

/** What was done to which containers (names). */
export interface ContainerActionResult {
  containers: string[];
  /** Orphans removed (kill --remove-orphans). */
  removed?: string[];
}

/** Sends the signal to every running container of the services; resolves with their names (none: nothing to do). */
export async function kill(options: KillOptions): Promise<ContainerActionResult> {
  return withProjectScope(options, options.services, async (session, scope) => {
    const engine = session.engine;
    const containers = await findProjectContainers(engine, scope.name, { services: options.services, oneoff: 'include' });
    const targets = containers.filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
    if (!options.dryRun) await Promise.all(targets.map((c) => engine.killContainer(c.id, options.killSignal ?? 'SIGKILL')));
    const result: ContainerActionResult = { containers: targets.map((c) => c.name) };
    if (options.removeOrphans && scope.project) {
      const orphans = findOrphans(scope.project, await engine.listContainers({
        all: true, labels: { 'com.docker.compose.project': scope.name },
      })).filter((c) => c.labels['com.docker.compose.oneoff'] !== 'True');
      if (!options.dryRun) await Promise.all(orphans.map((c) => engine.removeContainer(c.id, { force: true })));
      result.removed = orphans.map((c) => c.name);
    }
    return result;
  });
}

/** Options of `pause` and `unpause`: which services. */
export interface PauseOptions extends ProjectOptions {
  services?: string[];
  dryRun?: boolean;
}

/** Freezes every running container of the services. */
export function pause(options: PauseOptions): Promise<ContainerActionResult> {
  return freeze(options, ['running'], (engine, c) => engine.pauseContainer(c.id));
}

/** Thaws every paused container of the services. */
export function unpause(options: PauseOptions): Promise<ContainerActionResult> {
  return freeze(options, ['paused'], (engine, c) => engine.unpauseContainer(c.id));
}

async function freeze(options: PauseOptions, states: ContainerState[],
  act: (engine: import('../engine/types.js').Engine, container: ContainerSummary) => Promise<void>): Promise<ContainerActionResult> {
  return withProjectScope(options, options.services, async (session, scope) => {
    const targets = await findProjectContainers(session.engine, scope.name, { services: options.services, states });
    if (!options.dryRun) await Promise.all(targets.map((c) => act(session.engine, c)));
    return { containers: targets.map((c) => c.name) };
  });
}
