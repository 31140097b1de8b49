/**
 * Tar streams for `cp`, in both directions, streamed entry by entry (file contents are never held whole):
 * a local file or tree → a tar whose root entry has a chosen name, and a tar from the engine → local files, its
 * root entry renamed. Modes and modification times are kept; owners only when asked (`cp -a`).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, readdir, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FlotillaError } from '../errors.js';

export interface PackOptions {
  /** Keep the local owners (`-a`); otherwise entries belong to root, as `docker cp` does. */
  keepOwners?: boolean;
  /** Follow a symlink given as the source (`-L`). */
  followLink?: boolean;
}

/**
 * A tar of `source` whose root entry is named `rootName` ('' for a directory's contents only, `cp dir/. ...`).
 * Entries are written as the tree is walked; the returned stream ends after the last one.
 */
export function packLocal(source: string, rootName: string, options: PackOptions = {}): Readable {
  const pack = tar.pack();
  const addEntry = (header: tar.Headers, file?: string): Promise<void> => new Promise((resolvePromise, reject) => {
    const entry = pack.entry(header, (error) => (error ? reject(error) : resolvePromise()));
    if (file) createReadStream(file).on('error', reject).pipe(entry);
    else entry.end();
  });
  const walk = async (path: string, name: string, top: boolean): Promise<void> => {
    const info = top && options.followLink ? await stat(path) : await lstat(path);
    const header: tar.Headers = {
      name, mode: info.mode & 0o7777, mtime: info.mtime,
      uid: options.keepOwners ? info.uid : 0, gid: options.keepOwners ? info.gid : 0,
    };
    if (info.isDirectory()) {
      if (name !== '') await addEntry({ ...header, type: 'directory', name: `${name}/` });
      for (const child of (await readdir(path)).sort()) await walk(join(path, child), name === '' ? child : `${name}/${child}`, false);
    } else if (info.isSymbolicLink()) {
      await addEntry({ ...header, type: 'symlink', linkname: await readlink(path) });
    } else if (info.isFile()) {
      await addEntry({ ...header, type: 'file', size: info.size }, path);
    }
    // Sockets, fifos and devices are skipped: they cannot be copied as data.
  };
  walk(source, rootName, true).then(() => pack.finalize(), (error: unknown) => pack.destroy(error as Error));
  return pack;
}

/** The first entry of a tar stream from the engine (then the stream is dropped): what a container path is. */
export async function firstEntry(archive: Readable): Promise<tar.Headers | undefined> {
  const extract = tar.extract();
  archive.pipe(extract);
  try {
    for await (const entry of extract) {
      entry.resume();
      return entry.header;
    }
    return undefined;
  } finally {
    archive.unpipe(extract);
    archive.destroy();
    extract.destroy();
  }
}

/**
 * Writes a tar from the engine under `targetRoot`: the archive's root entry becomes `targetRoot` itself and
 * everything below it follows. Entries that would land outside `targetRoot` are refused.
 */
export async function extractLocal(archive: Readable, targetRoot: string): Promise<void> {
  const extract = tar.extract();
  const root = resolve(targetRoot);
  let rootName: string | undefined;
  const done = pipeline(archive, extract);
  // Archive path → local path: the root entry's name is replaced by targetRoot.
  const toLocal = (archivePath: string): string => {
    const name = archivePath.replace(/\/+$/, '');
    rootName ??= name.split('/')[0]!;
    const rest = name === rootName ? '' : name.startsWith(`${rootName}/`) ? name.slice(rootName.length + 1) : name;
    const path = rest === '' ? root : resolve(root, ...rest.split('/'));
    if (path !== root && !path.startsWith(root + sep)) throw new FlotillaError(`refusing to write outside ${root}: ${archivePath}`);
    return path;
  };
  for await (const entry of extract) {
    await writeEntry(entry, entry.header, toLocal(entry.header.name), toLocal);
  }
  await done;
}

async function writeEntry(entry: tar.Entry, header: tar.Headers, path: string, toLocal: (archivePath: string) => string):
  Promise<void> {
  const mode = (header.mode ?? 0o644) & 0o7777;
  switch (header.type) {
    case 'directory':
      await mkdir(path, { recursive: true, mode });
      await chmod(path, mode);
      entry.resume();
      break;
    case 'symlink':
      await replace(path);
      await symlink(header.linkname ?? '', path);
      entry.resume();
      return;
    case 'link': {
      await replace(path);
      // A hard link names another entry of the same archive.
      await link(toLocal(header.linkname ?? ''), path);
      entry.resume();
      return;
    }
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      await mkdir(dirname(path), { recursive: true });
      await replace(path, true);
      await pipeline(entry, createWriteStream(path, { mode }));
      await chmod(path, mode);
      break;
    default:
      entry.resume();
      return;
  }
  if (header.mtime) await utimes(path, header.mtime, header.mtime).catch(() => undefined);
}

/** Removes what is at `path` so an entry can take its place (a file over a file is simply overwritten). */
async function replace(path: string, keepFiles = false): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  if (keepFiles && info.isFile()) return;
  if (info.isDirectory()) throw new FlotillaError(`cannot overwrite directory ${path} with a non-directory`);
  await rm(path, { force: true });
}
