/**
 * A per-project lock, so that two Flotilla processes never change one project at the same time (two `up`s would
 * otherwise both see a missing container and both create it).
 *
 * Where: `<state dir>/locks/<project>.lock`, the state dir being `/run/flotilla` for root, else
 * `$XDG_STATE_HOME/flotilla`, else `~/.local/state/flotilla` (`FLOTILLA_STATE_DIR` overrides all three).
 * What: one JSON line with the holder's pid, its start time (from /proc, so a reused pid is not mistaken for the
 * holder), host name, a random token and the time the lock was taken.
 * How: the content is written to a private file first, then hard-linked to the lock path. link(2) fails if the
 * lock exists, so taking it is atomic and nobody ever reads a half-written lock.
 * Stale locks (holder dead, or its pid now belongs to another process) are taken over under a short-lived
 * takeover directory (mkdir is atomic), re-checked there, then removed.
 *
 * Limits: this serializes Flotilla processes of one machine using the same state dir. It does not protect against
 * other tools (docker compose, docker rm) or against Flotilla on another host talking to the same engine.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { FlotillaError } from '../errors.js';

/** Who holds a project lock: process id, its start time and host, so a dead holder can be recognized. */
export interface LockHolder {
  pid: number;
  /** Process start time as /proc/<pid>/stat field 22 (clock ticks since boot); absent off Linux. */
  startTicks?: number;
  host: string;
  token: string;
  /** ms since the epoch. */
  acquiredAt: number;
  command?: string;
}

export interface ProjectLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Set when we took the lock over from a dead process: requests it sent may still be completing in the engine. */
  readonly tookOverFrom?: LockHolder;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** Wait for the holder (default) or fail at once (`--no-wait-lock`). */
  wait?: boolean;
  /** Called once when the lock is held by another live process and we start waiting. */
  onWait?: (holder: LockHolder) => void;
  signal?: AbortSignal;
  /** Overrides the state directory (tests). */
  stateDir?: string;
  /** Shown to whoever waits for us, e.g. "up". */
  command?: string;
  pollMs?: number;
}

/** Raised with `wait: false` when another live process holds the lock. */
export class ProjectLockedError extends FlotillaError {
  constructor(readonly project: string, readonly holder: LockHolder) {
    super(`project "${project}" is being changed by another flotilla process (pid ${holder.pid}${holder.command ? `, ${holder.command}` : ''})`,
      { hint: 'wait for it to finish, or run again without --no-wait-lock to wait' });
    this.name = 'ProjectLockedError';
  }
}

/** The directory where Flotilla keeps per-user state (see the module comment). */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOTILLA_STATE_DIR) return env.FLOTILLA_STATE_DIR;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/run/flotilla';
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'flotilla');
  return join(homedir(), '.local', 'state', 'flotilla');
}

export function lockPath(project: string, stateDir = stateDirectory()): string {
  // project names are [a-z0-9_-], but be safe with anything given programmatically
  return join(stateDir, 'locks', `${project.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);
}

/** Takes the project's lock, waiting for (or failing on) a live holder, taking over a dead holder's lock. */
export async function acquireProjectLock(project: string, options: AcquireLockOptions = {}): Promise<ProjectLock> {
  const path = lockPath(project, options.stateDir);
  const dir = join(path, '..');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const holder: LockHolder = {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    acquiredAt: Date.now(),
    command: options.command,
  };
  const pollMs = options.pollMs ?? 100;
  let announced = false;
  let tookOverFrom: LockHolder | undefined;

  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryLink(path, holder)) return makeLock(path, holder, tookOverFrom);
    const current = await readHolder(path);
    if (current === undefined) continue; // released between our link and our read: try again at once
    if (current === 'unreadable' || isStale(current)) {
      if (await takeOverStale(path)) tookOverFrom = current === 'unreadable' ? undefined : current;
      continue;
    }
    if (options.wait === false) throw new ProjectLockedError(project, current);
    if (!announced) {
      announced = true;
      options.onWait?.(current);
    }
    await sleep(pollMs, options.signal);
  }
}

function makeLock(path: string, holder: LockHolder, tookOverFrom?: LockHolder): ProjectLock {
  let released = false;
  return {
    path,
    holder,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(path);
      // never remove a lock that someone took over from us (e.g. we were frozen long enough to look dead)
      if (current && current !== 'unreadable' && current.token === holder.token) await fs.rm(path, { force: true });
    },
  };
}

async function tryLink(path: string, holder: LockHolder): Promise<boolean> {
  const temp = `${path}.${holder.pid}.${holder.token}.tmp`;
  await fs.writeFile(temp, JSON.stringify(holder) + '\n', { mode: 0o600 });
  try {
    await fs.link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function readHolder(path: string): Promise<LockHolder | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as LockHolder;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? parsed : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** A lock is stale when its holder, on this host, is gone or its pid now names a different process. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false; // a shared state dir: we cannot judge another host's processes
  if (!isAlive(holder.pid)) return true;
  if (holder.startTicks === undefined) return false;
  const now = processStartTicks(holder.pid);
  return now !== undefined && now !== holder.startTicks;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so split after it. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock. Only the holder of `<lock>.takeover` may do so, and it re-reads the lock first: otherwise
 * two processes could both judge the lock stale, one take it, and the other remove that fresh lock.
 * A takeover directory left by a process killed in this short window is itself removed after 10 s.
 */
async function takeOverStale(path: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  try {
    await fs.mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const info = await fs.stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10_000) await fs.rm(guard, { recursive: true, force: true });
    else await sleep(20);
    return false;
  }
  try {
    const current = await readHolder(path);
    if (current === 'unreadable' || (current !== undefined && isStale(current))) {
      await fs.rm(path, { force: true });
      return true;
    }
    return false;
  } finally {
    await fs.rm(guard, { recursive: true, force: true });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
