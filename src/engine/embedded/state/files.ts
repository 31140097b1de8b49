/** Small file helpers: atomic JSON writes (temp file + rename) and tolerant reads. */
import { randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync, renameSync, readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Readers never see a half-written file: write beside it, then rename over it. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = tempName(path);
  await fs.writeFile(tmp, data);
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const tmp = tempName(path);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n');
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
