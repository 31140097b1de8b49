/** Small file helpers: atomic JSON writes (temp file + rename), filesystem syncs and tolerant reads. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface AtomicWriteOptions {
  /**
   * fsync the new content before it replaces the old: for files that vouch for other data (the image index
   * names blobs and layers), so that a crash cannot leave the name pointing at an empty file. Off by default:
   * most state is rewritten often and re-derived on recovery.
   */
  durable?: boolean;
}

/**
 * Readers never see a half-written file: write beside it, then rename over it. A failed write (a full disk)
 * removes its temporary file, which would otherwise keep the room it took.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempName(path);
  try {
    if (options.durable) {
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await fs.writeFile(tmp, data);
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n', options);
}

/**
 * Flushes the whole filesystem holding `path` (syncfs, through `sync -f`): one call makes a freshly unpacked
 * tree durable, where an fsync per file would cost one disk flush each. Rejects when the kernel reports a
 * write-back error, so that nothing is marked complete whose data did not reach the disk.
 */
export async function syncFilesystem(path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sync', ['-f', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sync -f ${path} failed: ${stderr.trim() || `exit ${code}`}`))));
  });
}

export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomicSync(path, JSON.stringify(value, null, 1) + '\n');
}

/** undefined when the file does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export function readJsonSync<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await fs.readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
