/**
 * Safe tar extraction into a directory we own: for image layers (OCI whiteouts become overlayfs ones) and for
 * putArchive. Every entry name is normalized and rejected when it climbs out ("../"), every parent directory
 * on the way must be a real directory of this tree (never a symlink the archive planted), and hard links must
 * point at files already extracted inside the tree. Owners, modes and mtimes are kept.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidRequestError } from '../../errors.js';
import { makeNodes, setXattrs, type SpecialNode, type XattrSetting } from './special-files.js';

export class UnsafeArchiveError extends InvalidRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

export interface ExtractOptions {
  /** 'overlay': turn OCI whiteouts into overlayfs whiteouts (layers); 'keep': extract them as plain files. */
  whiteouts: 'overlay' | 'keep';
  /** Keep numeric owners from the archive (root only). */
  keepOwners?: boolean;
}

export interface ExtractResult {
  /** sha256 of the uncompressed tar stream, "sha256:…" (a layer's diff_id). */
  diffId: string;
  entries: number;
}

const isRoot = process.getuid?.() === 0;

/** Splits an archive entry name into safe components, or throws when it would leave the tree. */
export function safeComponents(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new UnsafeArchiveError(`archive entry "${name}" escapes the target directory`);
  return parts;
}

interface DirFixup {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
}

export async function extractTar(source: Readable, dest: string, options: ExtractOptions): Promise<ExtractResult> {
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const dirs: DirFixup[] = [];
  const nodes: SpecialNode[] = [];
  const xattrs: XattrSetting[] = [];
  const opaqueDirs: string[] = [];
  const whiteouts: string[] = [];
  const keepOwners = options.keepOwners ?? isRoot;
  let entries = 0;

  /** Makes sure every parent of `parts` is a real directory of the tree, creating missing ones. */
  async function ensureParents(parts: string[], create: boolean): Promise<string> {
    let current = dest;
    for (const part of parts.slice(0, -1)) {
      current = join(current, part);
      let stat;
      try {
        stat = await fs.lstat(current);
      } catch {
        if (!create) throw new UnsafeArchiveError(`archive entry refers to a missing path under ${current}`);
        await fs.mkdir(current, { mode: 0o755 });
        continue;
      }
      if (stat.isSymbolicLink()) throw new UnsafeArchiveError(`archive entry goes through the symlink "${current.slice(dest.length + 1)}"`);
      if (!stat.isDirectory()) throw new UnsafeArchiveError(`archive entry goes through the non-directory "${current.slice(dest.length + 1)}"`);
    }
    return join(dest, ...parts);
  }

  async function clearPath(path: string, keepDir: boolean): Promise<boolean> {
    try {
      const stat = await fs.lstat(path);
      if (stat.isDirectory() && keepDir) return true;
      await fs.rm(path, { recursive: true, force: true });
    } catch {
      // nothing there
    }
    return false;
  }

  async function applyOwnerMode(path: string, header: tar.Headers, symlink: boolean): Promise<void> {
    if (keepOwners) await (symlink ? fs.lchown : fs.chown)(path, header.uid ?? 0, header.gid ?? 0);
    if (!symlink) await fs.chmod(path, (header.mode ?? 0o644) & 0o7777);
    const mtime = header.mtime ?? new Date(0);
    await (symlink ? fs.lutimes : fs.utimes)(path, mtime, mtime);
  }

  function collectXattrs(path: string, header: tar.Headers): void {
    const pax = (header as tar.Headers & { pax?: Record<string, string> }).pax ?? {};
    for (const [key, value] of Object.entries(pax)) {
      if (!key.startsWith('SCHILY.xattr.')) continue;
      // tar-stream decodes pax values as UTF-8: a binary value (security.capability) arrives mangled, so
      // only values that survived intact are applied.
      if (value.includes('\uFFFD')) continue;
      xattrs.push({ path, name: key.slice('SCHILY.xattr.'.length), value: Buffer.from(value, 'utf8') });
    }
  }

  async function handle(header: tar.Headers, stream: Readable): Promise<void> {
    entries++;
    const parts = safeComponents(header.name);
    if (parts.length === 0) {
      stream.resume();
      return; // the archive's root directory itself
    }
    const base = parts[parts.length - 1]!;
    if (options.whiteouts === 'overlay' && base.startsWith('.wh.')) {
      stream.resume();
      const parent = await ensureParents(parts, true);
      const parentDir = join(parent, '..');
      if (base === '.wh..wh..opq') opaqueDirs.push(parentDir);
      else if (!base.startsWith('.wh..wh.')) whiteouts.push(join(parentDir, base.slice(4)));
      return;
    }
    const path = await ensureParents(parts, true);
    switch (header.type) {
      case 'directory': {
        if (!(await clearPath(path, true))) await fs.mkdir(path, { mode: 0o700 });
        dirs.push({ path, mode: header.mode ?? 0o755, uid: header.uid ?? 0, gid: header.gid ?? 0, mtime: header.mtime });
        collectXattrs(path, header);
        stream.resume();
        return;
      }
      case 'file':
      case 'contiguous-file': {
        await clearPath(path, false);
        // 'wx' = O_CREAT|O_EXCL: never follows a symlink that appeared at this name.
        const handle = await fs.open(path, 'wx', 0o600);
        await pipeline(stream, handle.createWriteStream());
        await applyOwnerMode(path, header, false);
        collectXattrs(path, header);
        return;
      }
      case 'symlink': {
        stream.resume();
        await clearPath(path, false);
        await fs.symlink(header.linkname ?? '', path);
        await applyOwnerMode(path, header, true);
        return;
      }
      case 'link': {
        stream.resume();
        const targetParts = safeComponents(header.linkname ?? '');
        const target = await ensureParents(targetParts, false);
        const stat = await fs.lstat(target).catch(() => undefined);
        if (!stat || stat.isDirectory()) {
          throw new UnsafeArchiveError(`hard link "${header.name}" points at "${header.linkname}", which is not a file of the archive`);
        }
        await clearPath(path, false);
        await fs.link(target, path);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        stream.resume();
        await clearPath(path, false);
        if (!isRoot && header.type !== 'fifo') return; // device nodes need root; skip them unprivileged
        const kind = header.type === 'fifo' ? 'fifo' : header.type === 'character-device' ? 'char' : 'block';
        nodes.push({ path, kind, major: header.devmajor ?? 0, minor: header.devminor ?? 0, mode: header.mode ?? 0o600 });
        return;
      }
      default:
        stream.resume(); // pax/gnu headers are consumed by the parser; other types carry nothing to extract
    }
  }

  extract.on('entry', (header, stream, next) => {
    handle(header, stream).then(() => next(), (err: unknown) => {
      stream.resume();
      next(err as Error);
    });
  });

  await pipeline(source, hasher, extract);

  for (const path of whiteouts) {
    await fs.rm(path, { recursive: true, force: true });
    nodes.push({ path, kind: 'char', major: 0, minor: 0, mode: 0o600 });
  }
  await makeNodes(nodes);
  if (keepOwners) {
    for (const node of nodes) await fs.lchown(node.path, 0, 0).catch(() => undefined);
  }
  for (const dir of opaqueDirs) xattrs.push({ path: dir, name: 'trusted.overlay.opaque', value: Buffer.from('y') });
  await setXattrs(xattrs);
  // Directories last, deepest first, so that extracting their children did not change their mtime or make a
  // read-only directory block its own content.
  dirs.sort((a, b) => b.path.length - a.path.length);
  for (const dir of dirs) {
    if (keepOwners) await fs.chown(dir.path, dir.uid, dir.gid);
    await fs.chmod(dir.path, dir.mode & 0o7777);
    if (dir.mtime) await fs.utimes(dir.path, dir.mtime, dir.mtime);
  }
  return { diffId: `sha256:${hash.digest('hex')}`, entries };
}
