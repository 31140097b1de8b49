/** `wait`: block until the services' containers stop; the exit code is the first one's. */
import { FlotillaError } from '../errors.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, withProjectScope } from './project-containers.js';

/** Options of `wait`: the services to wait for, and whether to take the project down afterwards. */
export interface WaitOptions extends ProjectOptions {
  services: string[];
  /** As soon as the first container stops, take the whole project down (`--down-project`). */
  downProject?: boolean;
  /** Each container as it stops. */
  onExit?: (container: { id: string; name: string; exitCode: number }) => void;
}

/** Resolves with the exit code of the container that stopped first. */
export async function waitForServices(options: WaitOptions): Promise<number> {
  const first = await withProjectScope(options, options.services, async (session, scope) => {
    const containers = await findProjectContainers(session.engine, scope.name, { services: options.services });
    if (containers.length === 0) throw new FlotillaError(`no containers for project "${scope.name}" to wait for`);
    const stopped = new AbortController();
    options.signal?.addEventListener('abort', () => stopped.abort(options.signal?.reason), { once: true });
    let firstCode: number | undefined;
    let resolveFirst!: () => void;
    const firstStopped = new Promise<void>((resolve) => (resolveFirst = resolve));
    const all = Promise.all(containers.map(async (c) => {
      const { exitCode } = await session.engine.waitContainer(c.id, 'not-running', stopped.signal);
      options.onExit?.({ id: c.id, name: c.name, exitCode });
      firstCode ??= exitCode;
      resolveFirst();
    }));
    // With --down-project the others need not be waited for: down stops them.
    if (options.downProject) {
      await Promise.race([firstStopped, all]);
      stopped.abort();
      await all.catch(() => undefined);
    } else {
      await all;
    }
    return firstCode;
  });
  if (options.downProject) {
    const { downProject } = await import('./lifecycle.js');
    await downProject({ ...options, services: undefined });
  }
  return first ?? 0;
}
