/**
 * The build context as the engine receives it: a tar stream of the context directory, produced file by file while
 * the engine reads it (never the whole context in memory), honouring the ignore rules.
 *
 * - Ignore file: `<Dockerfile>.dockerignore` next to the Dockerfile when it exists (BuildKit's rule), else the
 *   context's `.dockerignore`.
 * - The Dockerfile and `.dockerignore` are always sent (the engine reads them, and drops them from what COPY sees
 *   when the rules exclude them), as the Docker CLI does.
 * - A Dockerfile outside the context, `dockerfile_inline`, or a Dockerfile given labels to carry (see
 *   dockerfile.ts) is added under `.dockerfile.<hash of content>` and that name is appended to the `.dockerignore`
 *   sent, so it never lands in the image. The name depends only on the content so that the build cache keeps
 *   working across builds. A Dockerfile inside the context is then an ordinary file, sent or not by the rules.
 * - Entries keep their permission bits, owner 0:0 (as `docker build` sends them), symlinks stay symlinks; sockets
 *   and other special files are left out. Entries are sorted, so the same tree always gives the same stream.
 * - The engine starts the build only once it has the whole context, and each asynchronous file system call costs a
 *   trip through libuv's thread pool that is slower than the call itself for the small files contexts are mostly
 *   made of. So metadata and files up to SMALL_FILE are read synchronously; larger files are streamed; the walk
 *   yields to the event loop every few milliseconds (concurrent builds keep reporting) and waits whenever the
 *   engine reads slower than the tar is made.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { addLabelInstruction } from './dockerfile.js';
import { ImageBuildConfigError } from './errors.js';
import { createIgnoreRules, type IgnoreRules } from './ignore-rules.js';

export interface ContextOptions {
  /** Absolute context directory. */
  contextDir: string;
  /** `build.dockerfile`: relative to the context, or absolute. Default `Dockerfile`. */
  dockerfile?: string;
  /** `build.dockerfile_inline`: the Dockerfile's text; wins over `dockerfile`. */
  dockerfileInline?: string;
  /** Labels to add to the final stage as a cached `LABEL` instruction instead of the engine's `labels` parameter. */
  labels?: Record<string, string>;
  /** `build.target`: the final stage. */
  target?: string;
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
  /** `options.labels` when they could not be added to the Dockerfile: the engine's `labels` parameter must carry them. */
  labelsForEngine?: Record<string, string>;
  /** Settles when the whole context was produced; rejects with the reason the walk stopped (unreadable file...). */
  done: Promise<ContextStats>;
}

/** Checks the context and Dockerfile, then starts producing the tar; the walk runs as the stream is read. */
export async function createBuildContext(options: ContextOptions): Promise<BuildContext> {
  const contextDir = resolve(options.contextDir);
  const contextStat = tryRead(() => statSync(contextDir));
  if (!contextStat?.isDirectory()) {
    throw new ImageBuildConfigError(`build context ${contextDir} is not a directory`, 'check build.context');
  }

  let content: Buffer;
  let dockerfileOnDisk: string | undefined;
  let inside: string | undefined;
  if (options.dockerfileInline !== undefined) {
    content = Buffer.from(options.dockerfileInline);
  } else {
    dockerfileOnDisk = isAbsolute(options.dockerfile ?? '') ? options.dockerfile! : join(contextDir, options.dockerfile ?? 'Dockerfile');
    const read = tryRead(() => readFileSync(dockerfileOnDisk!));
    if (read === undefined) {
      throw new ImageBuildConfigError(`Dockerfile ${dockerfileOnDisk} not found`, 'check build.dockerfile and build.context');
    }
    content = read;
    const path = relative(contextDir, dockerfileOnDisk);
    if (!path.startsWith('..') && !isAbsolute(path)) inside = path.split(sep).join('/');
  }
  let labelsForEngine = options.labels && Object.keys(options.labels).length > 0 ? options.labels : undefined;
  if (labelsForEngine) {
    const text = content.toString('utf8');
    // Only a file that survives decoding unchanged is rewritten; anything else keeps the engine's parameter.
    const rewrite = Buffer.from(text, 'utf8').equals(content) ? addLabelInstruction(text, labelsForEngine, options.target) : undefined;
    if (rewrite) {
      content = Buffer.from(rewrite.text);
      inside = undefined;
      labelsForEngine = undefined;
    }
  }
  const injected = inside === undefined ? injectedDockerfile(content) : undefined;
  const dockerfileInTar = injected?.name ?? inside!;

  const contextIgnore = join(contextDir, '.dockerignore');
  const dockerignoreOnDisk = readIgnoreFile(contextIgnore);
  const dockerfileIgnore = dockerfileOnDisk ? `${dockerfileOnDisk}.dockerignore` : undefined;
  const ownIgnore = dockerfileIgnore !== undefined ? readIgnoreFile(dockerfileIgnore) : undefined;
  const ignoreFile = ownIgnore !== undefined ? { path: dockerfileIgnore, text: ownIgnore }
    : dockerignoreOnDisk !== undefined ? { path: contextIgnore, text: dockerignoreOnDisk } : {};
  const rules = createIgnoreRules(ignoreFile.text, [dockerfileInTar, '.dockerignore'], ignoreFile.path);

  const pack = tar.pack();
  const started = Date.now();
  const done = writeContext(pack, contextDir, rules, injected, dockerignoreOnDisk).then(
    (counts) => ({ ...counts, elapsedMs: Date.now() - started }),
    (error: unknown) => {
      pack.destroy(error as Error);
      throw error;
    },
  );
  // The caller learns about a failed walk from `done`; the stream's own error must not crash the process.
  done.catch(() => undefined);
  return {
    stream: coalesced(pack),
    dockerfile: dockerfileInTar,
    ...(ignoreFile.path !== undefined ? { ignoreFile: ignoreFile.path } : {}),
    ...(labelsForEngine ? { labelsForEngine } : {}),
    done,
  };
}

/**
 * tar-stream's pack (a streamx stream) as an ordinary Node stream, its many small pieces (a header, a file, the
 * padding) joined into writes of up to COALESCE_BYTES: a small context goes out in one write rather than a few per file.
 */
function coalesced(pack: tar.Pack): Readable {
  let held: Buffer[] = [];
  let size = 0;
  let flushing: NodeJS.Immediate | undefined;
  const out = new Readable({
    read: () => pack.resume(),
    destroy: (error, callback) => {
      if (flushing) clearImmediate(flushing);
      pack.destroy(error ?? undefined);
      callback(error);
    },
  });
  const flush = (): void => {
    flushing = undefined;
    if (size === 0) return;
    const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, size);
    held = [];
    size = 0;
    // The engine reads slower than the walk: stop the pack until it asks again.
    if (!out.push(chunk)) pack.pause();
  };
  pack.on('data', (chunk: Buffer) => {
    held.push(chunk);
    size += chunk.length;
    if (size >= COALESCE_BYTES) flush();
    else flushing ??= setImmediate(flush);
  });
  pack.on('end', () => {
    flush();
    out.push(null);
  });
  pack.on('error', (error: Error) => out.destroy(error));
  return out;
}

function injectedDockerfile(content: Buffer): { name: string; content: Buffer } {
  return { name: `.dockerfile.${createHash('sha256').update(content).digest('hex').slice(0, 20)}`, content };
}

async function writeContext(pack: tar.Pack, root: string, rules: IgnoreRules, injected: { name: string; content: Buffer } | undefined,
  dockerignoreOnDisk: string | undefined): Promise<{ files: number; bytes: number }> {
  const counts = { files: 0, bytes: 0 };
  // The .dockerignore sent: the one on disk, plus the injected Dockerfile's name so COPY never sees it.
  const dockerignoreSent = injected
    ? `${dockerignoreOnDisk ?? '.dockerignore\n'}${dockerignoreOnDisk && !dockerignoreOnDisk.endsWith('\n') ? '\n' : ''}${injected.name}\n`
    : undefined;
  let sliceStarted = performance.now();
  const yieldNow = async (): Promise<void> => {
    if (performance.now() - sliceStarted < YIELD_EVERY_MS) return;
    await new Promise((resolvePromise) => setImmediate(resolvePromise));
    sliceStarted = performance.now();
  };

  const visit = async (relDir: string): Promise<void> => {
    const entries = readdirSync(relDir === '' ? root : join(root, relDir), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      await yieldNow();
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (injected && rel === injected.name) continue;
      const excluded = rules.excludes(rel);
      const absolute = join(root, rel);
      if (entry.isDirectory()) {
        if (excluded && rules.canSkipDirectory(rel)) continue;
        if (!excluded) await addEntry(pack, { name: `${rel}/`, type: 'directory', ...headerOf(lstatSync(absolute)) });
        await visit(rel);
        continue;
      }
      if (excluded) continue;
      if (rel === '.dockerignore' && dockerignoreSent !== undefined) continue; // sent below, extended
      const stat = lstatSync(absolute);
      if (stat.isSymbolicLink()) {
        await addEntry(pack, { name: rel, type: 'symlink', linkname: readlinkSync(absolute), ...headerOf(stat) });
      } else if (stat.isFile() && stat.size <= SMALL_FILE) {
        const content = readFileSync(absolute);
        // The size read, not the one stat'ed: the file may have changed in between.
        await addEntry(pack, { name: rel, type: 'file', size: content.length, ...headerOf(stat) }, content);
        counts.files++;
        counts.bytes += content.length;
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

/** Files up to this size are read whole and synchronously; larger ones are streamed. */
const SMALL_FILE = 256 * 1024;
/** Largest write of the tar to the engine. */
const COALESCE_BYTES = 64 * 1024;
/** Longest stretch of synchronous reading before the walk lets other work run. */
const YIELD_EVERY_MS = 10;

/** The result of a synchronous read, undefined when it fails (the caller says what that means). */
function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** An ignore file's text; undefined when there is none, an error when there is one that cannot be read. */
function readIgnoreFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
