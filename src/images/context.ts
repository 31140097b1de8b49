/**
 * The build context as the engine receives it: a tar stream of the context directory, produced file by file while
 * the engine reads it (never the whole context in memory), honouring the ignore rules.
 *
 * - Ignore file: `<Dockerfile>.dockerignore` next to the Dockerfile when it exists (BuildKit's rule), else the
 *   context's `.dockerignore`.
 * - The Dockerfile and `.dockerignore` are always sent (the engine reads them, and drops them from what COPY sees
 *   when the rules exclude them), as the Docker CLI does.
 * - A Dockerfile outside the context, or `dockerfile_inline`, is added under `.dockerfile.<hash of content>` and
 *   that name is appended to the `.dockerignore` sent, so it never lands in the image. The name depends only on
 *   the content so that the build cache keeps working across builds.
 * - Entries keep their permission bits, owner 0:0 (as `docker build` sends them), symlinks stay symlinks; sockets
 *   and other special files are left out. Entries are sorted, so the same tree always gives the same stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ImageBuildConfigError } from './errors.js';
import { createIgnoreRules, readIgnoreFile, type IgnoreRules } from './ignore-rules.js';

export interface ContextOptions {
  /** Absolute context directory. */
  contextDir: string;
  /** `build.dockerfile`: relative to the context, or absolute. Default `Dockerfile`. */
  dockerfile?: string;
  /** `build.dockerfile_inline`: the Dockerfile's text; wins over `dockerfile`. */
  dockerfileInline?: string;
}

export interface ContextStats {
  files: number;
  /** Bytes of file content sent (not counting tar headers). */
  bytes: number;
  elapsedMs: number;
}

export interface BuildContext {
  /** The tar stream, to be read once. */
  stream: Readable;
  /** The Dockerfile's path inside the tar, for the engine. */
  dockerfile: string;
  /** The ignore file in effect, if any. */
  ignoreFile?: string;
  /** Settles when the whole context was produced; rejects with the reason the walk stopped (unreadable file...). */
  done: Promise<ContextStats>;
}

/** Checks the context and Dockerfile, then starts producing the tar; the walk runs as the stream is read. */
export async function createBuildContext(options: ContextOptions): Promise<BuildContext> {
  const contextDir = resolve(options.contextDir);
  const contextStat = await fs.stat(contextDir).catch(() => undefined);
  if (!contextStat?.isDirectory()) {
    throw new ImageBuildConfigError(`build context ${contextDir} is not a directory`, 'check build.context');
  }

  let dockerfileInTar: string;
  let injected: { name: string; content: Buffer } | undefined;
  let dockerfileOnDisk: string | undefined;
  if (options.dockerfileInline !== undefined) {
    injected = injectedDockerfile(Buffer.from(options.dockerfileInline));
    dockerfileInTar = injected.name;
  } else {
    dockerfileOnDisk = isAbsolute(options.dockerfile ?? '') ? options.dockerfile! : join(contextDir, options.dockerfile ?? 'Dockerfile');
    const content = await fs.readFile(dockerfileOnDisk).catch(() => undefined);
    if (content === undefined) {
      throw new ImageBuildConfigError(`Dockerfile ${dockerfileOnDisk} not found`, 'check build.dockerfile and build.context');
    }
    const inside = relative(contextDir, dockerfileOnDisk);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      injected = injectedDockerfile(content);
      dockerfileInTar = injected.name;
    } else {
      dockerfileInTar = inside.split(sep).join('/');
    }
  }

  const candidates = [
    ...(dockerfileOnDisk ? [`${dockerfileOnDisk}.dockerignore`] : []),
    join(contextDir, '.dockerignore'),
  ];
  const ignoreFile = await readIgnoreFile(candidates);
  const rules = createIgnoreRules(ignoreFile.text, [dockerfileInTar, '.dockerignore'], ignoreFile.path);

  const pack = tar.pack();
  const started = Date.now();
  const done = writeContext(pack, contextDir, rules, injected).then(
    (counts) => ({ ...counts, elapsedMs: Date.now() - started }),
    (error: unknown) => {
      pack.destroy(error as Error);
      throw error;
    },
  );
  // The caller learns about a failed walk from `done`; the stream's own error must not crash the process.
  done.catch(() => undefined);
  return {
    // tar-stream's pack is a streamx stream: wrap it so the engine gets an ordinary Node stream.
    stream: Readable.from(pack, { objectMode: false }),
    dockerfile: dockerfileInTar,
    ...(ignoreFile.path !== undefined ? { ignoreFile: ignoreFile.path } : {}),
    done,
  };
}

function injectedDockerfile(content: Buffer): { name: string; content: Buffer } {
  return { name: `.dockerfile.${createHash('sha256').update(content).digest('hex').slice(0, 20)}`, content };
}

async function writeContext(pack: tar.Pack, root: string, rules: IgnoreRules,
  injected: { name: string; content: Buffer } | undefined): Promise<{ files: number; bytes: number }> {
  const counts = { files: 0, bytes: 0 };
  // The .dockerignore sent: the one on disk, plus the injected Dockerfile's name so COPY never sees it.
  const dockerignoreOnDisk = await fs.readFile(join(root, '.dockerignore'), 'utf8').catch(() => undefined);
  const dockerignoreSent = injected
    ? `${dockerignoreOnDisk ?? '.dockerignore\n'}${dockerignoreOnDisk && !dockerignoreOnDisk.endsWith('\n') ? '\n' : ''}${injected.name}\n`
    : undefined;

  const visit = async (relDir: string): Promise<void> => {
    const entries = await fs.readdir(relDir === '' ? root : join(root, relDir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (injected && rel === injected.name) continue;
      const excluded = rules.excludes(rel);
      const absolute = join(root, rel);
      if (entry.isDirectory()) {
        if (excluded && rules.canSkipDirectory(rel)) continue;
        if (!excluded) await addEntry(pack, { name: `${rel}/`, type: 'directory', ...headerOf(await fs.lstat(absolute)) });
        await visit(rel);
        continue;
      }
      if (excluded) continue;
      if (rel === '.dockerignore' && dockerignoreSent !== undefined) continue; // sent below, extended
      const stat = await fs.lstat(absolute);
      if (stat.isSymbolicLink()) {
        await addEntry(pack, { name: rel, type: 'symlink', linkname: await fs.readlink(absolute), ...headerOf(stat) });
      } else if (stat.isFile()) {
        const sink = pack.entry({ name: rel, type: 'file', size: stat.size, ...headerOf(stat) });
        await pipeline(createReadStream(absolute), sink);
        counts.files++;
        counts.bytes += stat.size;
      }
      // Sockets, FIFOs and devices have no place in a build context.
    }
  };

  await visit('');
  if (injected) {
    await addEntry(pack, { name: injected.name, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: new Date(0) }, injected.content);
    await addEntry(pack, { name: '.dockerignore', type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: new Date(0) },
      Buffer.from(dockerignoreSent!));
    counts.files += 2;
    counts.bytes += injected.content.length + Buffer.byteLength(dockerignoreSent!);
  }
  pack.finalize();
  return counts;
}

function headerOf(stat: Stats): { mode: number; uid: number; gid: number; mtime: Date } {
  return { mode: stat.mode & 0o7777, uid: 0, gid: 0, mtime: stat.mtime };
}

function addEntry(pack: tar.Pack, header: tar.Headers, content?: Buffer): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const callback = (error?: Error | null): void => (error ? reject(error) : resolvePromise());
    if (content !== undefined) pack.entry(header, content, callback);
    else pack.entry(header, callback);
  });
}
