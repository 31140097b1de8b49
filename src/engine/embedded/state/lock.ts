/**
 * The engine lock: one process at a time changes the data root. A lock file created with O_EXCL holds the
 * holder's pid and start time (so a recycled pid is not mistaken for the holder); a lock whose holder is gone is
 * stale and taken over. Within one process, calls queue on an in-memory mutex first, because the file lock
 * cannot tell two callers of the same process apart.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { EngineUnavailableError } from '../../errors.js';
import { pidAlive } from './files.js';
import { timed } from '../timing.js';

const queues = new Map<string, Promise<unknown>>();

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when the lock content names a live process that is still the one which wrote it. */
function holderAlive(content: string): boolean {
  const [pidText, started] = content.trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!pidAlive(pid)) return false;
  return started === undefined || processStartTime(pid) === started;
}

async function acquireFile(path: string, timeoutMs: number): Promise<void> {
  const me = `${process.pid} ${processStartTime(process.pid) ?? ''}\n`;
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const handle = await fs.open(path, 'wx', 0o644);
      await handle.writeFile(me);
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let content = '';
    let ageMs = 0;
    try {
      content = await fs.readFile(path, 'utf8');
      ageMs = Date.now() - (await fs.stat(path)).mtimeMs;
    } catch {
      continue; // released between our open and our read
    }
    // An empty lock older than a second was left by a holder that died between create and write.
    const stale = content.trim() === '' ? ageMs > 1000 : !holderAlive(content);
    if (stale) {
      await fs.rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EngineUnavailableError(`embedded engine is locked by process ${content.trim().split(/\s+/)[0]}`, {
        hint: `another flotilla command is using ${path}; wait for it or remove the file if that process is gone`,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Runs fn while holding the engine lock at `path`. */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chain = previous.then(() => mine);
  queues.set(path, chain);
  await previous.catch(() => undefined);
  try {
    await timed('lock.acquire', () => acquireFile(path, timeoutMs));
    try {
      return await fn();
    } finally {
      await fs.rm(path, { force: true });
    }
  } finally {
    release();
    if (queues.get(path) === chain) queues.delete(path);
  }
}
