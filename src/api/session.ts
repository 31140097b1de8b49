/**
 * What every API call does around its work: load the project, open the engine (with the shared concurrency
 * limit), take the project lock for commands that change things, and release all of it afterwards.
 */
import type { Engine } from '../engine/types.js';
import type { Project } from '../model/types.js';
import { createLimiter, limitEngine, resolveParallelLimit } from '../reconcile/limiter.js';
import { acquireProjectLock, type ProjectLock } from '../reconcile/lock.js';
import type { LockingOptions, ProjectOptions } from './options.js';

export interface Session {
  /** The engine behind the concurrency limit. */
  engine: Engine;
  close(): Promise<void>;
}

/** Loads the compose project (files, env files, profiles, project name) as the CLI's global flags describe it. */
export async function loadComposeProject(options: ProjectOptions, services?: string[]): Promise<Project> {
  const { loadProject } = await import('../model/load.js');
  return loadProject({
    files: options.files,
    projectName: options.projectName,
    projectDirectory: options.projectDirectory,
    envFiles: options.envFiles,
    profiles: options.profiles,
    services,
    env: options.env,
    cwd: options.cwd,
    onWarning: options.onWarning,
  });
}

export async function openSession(options: ProjectOptions): Promise<Session> {
  let engine: Engine;
  let owned = false;
  if (typeof options.engine === 'object') {
    engine = options.engine;
  } else {
    const { createEngine } = await import('../engine/select.js');
    engine = await createEngine({ engine: options.engine, env: options.env });
    owned = true;
  }
  const limit = resolveParallelLimit(options.parallel, options.env ?? process.env);
  return {
    engine: limitEngine(engine, createLimiter(limit)),
    close: async () => {
      if (owned) await engine.close();
    },
  };
}

/** Runs `work` holding the project's lock (not taken for dry runs: they change nothing). */
export async function withProjectLock<T>(project: string, options: LockingOptions & ProjectOptions, command: string,
  work: () => Promise<T>): Promise<T> {
  if (options.dryRun) return work();
  const lock: ProjectLock = await acquireProjectLock(project, {
    wait: !options.noWaitLock,
    onWait: options.onLockWait,
    signal: options.signal,
    command,
  });
  try {
    // The previous holder died: requests it had sent (a network or container create) may still be completing in
    // the engine. Observing before they land would plan them a second time.
    if (lock.tookOverFrom) await new Promise((r) => setTimeout(r, STALE_LOCK_SETTLE_MS));
    return await work();
  } finally {
    await lock.release();
  }
}

/** How long engine requests of a process that died holding the lock are given to complete. */
const STALE_LOCK_SETTLE_MS = 1000;

/** Runs `work` with a session, closing it whatever happens. */
export async function withSession<T>(options: ProjectOptions, work: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
