/**
 * A full disk during pull leaves no half layer marked done. The embedded engine's data root is a small tmpfs:
 * first too small for the layer blob (the download fails), then too small for the unpacked layer (the unpack
 * fails). After each failure the pull must have rejected with ENOSPC, and the store must claim nothing that is
 * not complete: every blob's content matches its name, every layer directory is the whole layer, no temporary
 * leftovers, no image recorded or tagged. Then the tmpfs grows and the same pull succeeds and runs, so nothing
 * left by the failures blocks a retry.
 *
 * Sizes come from the image itself (read from the registry before the engine starts), so that the phases fail
 * where they should: the download phase gets half the layer blob, the unpack phase the blobs plus half the
 * unpacked layer (tmpfs accounts whole pages, so both are counted in pages).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import type { OutputChunk, ProgressEvent } from '../../src/engine/types.js';

const REGISTRY = process.env.FLOTILLA_TEST_REGISTRY ?? '127.0.0.1:5000';
const REPO = 'flotilla-test/busybox';
const REF = `${REGISTRY}/${REPO}:latest`;
const PAGE = 4096;
const HEX = /^[a-f0-9]{64}$/;

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const pages = (bytes: number) => Math.ceil(bytes / PAGE) * PAGE;

/** What an unpacked layer must contain, entry by entry, from the registry's own copy of the blob. */
interface RefEntry {
  type: 'directory' | 'file' | 'symlink' | 'link';
  size: number;
  digest?: string;
  linkname?: string;
}
interface RefLayer {
  digest: string;
  diffId: string;
  size: number;
  /** Bytes the unpacked layer takes on tmpfs (regular files, page-rounded; hard links count once). */
  unpacked: number;
  entries: Map<string, RefEntry>;
}

async function registryGet(path: string, accept?: string): Promise<Buffer> {
  const response = await fetch(`http://${REGISTRY}/v2/${REPO}/${path}`, { headers: accept ? { Accept: accept } : {} });
  if (!response.ok) throw new Error(`registry ${REGISTRY}: ${path}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function referenceImage(): Promise<{ configSize: number; layers: RefLayer[] }> {
  const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.parse((await registryGet('manifests/latest', accept)).toString()) as {
    config: { digest: string; size: number };
    layers: { digest: string; size: number }[];
  };
  const config = JSON.parse((await registryGet(`blobs/${manifest.config.digest}`)).toString()) as { rootfs: { diff_ids: string[] } };
  const out: RefLayer[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const blob = await registryGet(`blobs/${layer.digest}`);
    const entries = new Map<string, RefEntry>();
    let unpacked = 0;
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const name = header.name.split('/').filter((p) => p && p !== '.').join('/');
        const type = header.type as RefEntry['type'];
        if (!['directory', 'file', 'symlink', 'link'].includes(type)) throw new Error(`unexpected ${type} entry in the test image`);
        if (name.split('/').at(-1)!.startsWith('.wh.')) throw new Error('the test image was expected to have no whiteouts');
        const data = Buffer.concat(parts);
        if (type === 'file') unpacked += pages(data.length);
        const linkname = header.linkname?.split('/').filter((p) => p && p !== '.').join('/');
        if (name) entries.set(name, { type, size: data.length, digest: type === 'file' ? sha256(data) : undefined, linkname: type === 'symlink' ? header.linkname! : linkname });
        next();
      });
    });
    const done = new Promise<void>((resolve, reject) => extract.on('finish', resolve).on('error', reject));
    Readable.from([blob]).pipe(createGunzip()).pipe(extract);
    await done;
    out.push({ digest: layer.digest, diffId: config.rootfs.diff_ids[i]!, size: layer.size, unpacked, entries });
  }
  return { configSize: manifest.config.size, layers: out };
}

/** Every path below `dir`, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Fails unless `dir` holds exactly the layer: every entry, with its full content, and nothing else. */
function expectCompleteLayer(dir: string, layer: RefLayer): void {
  const missing: string[] = [];
  for (const [name, entry] of layer.entries) {
    const path = join(dir, name);
    const stat = lstatSafe(path) ? lstatSync(path) : undefined;
    const ok =
      stat !== undefined &&
      (entry.type === 'directory'
        ? stat.isDirectory()
        : entry.type === 'symlink'
          ? stat.isSymbolicLink() && readlinkSync(path) === entry.linkname
          : entry.type === 'link'
            ? stat.isFile() && stat.ino === lstatSync(join(dir, entry.linkname!)).ino
            : stat.isFile() && stat.size === entry.size && sha256(readFileSync(path)) === entry.digest);
    if (!ok) missing.push(name);
  }
  expect(missing, `layer ${dir} is incomplete`).toEqual([]);
  expect(tree(dir)).toEqual([...layer.entries.keys()].sort());
}

function lstatSafe(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

interface IndexFile {
  images: Record<string, { layers: { digest: string; diffId: string }[] }>;
  tags: Record<string, string>;
}

/**
 * What the store claims must be true: blobs named by their digest, layers complete, no temporaries, and every
 * image recorded in the index has its blobs and layers. Returns the index.
 */
function expectConsistentStore(engine: EmbeddedEngine, layers: RefLayer[]): IndexFile {
  const { blobs, layers: layersDir, images, imageIndex } = engine.paths;
  for (const name of readdirSync(blobs)) {
    expect(name, `stray file in the blob store`).toMatch(HEX);
    expect(sha256(readFileSync(join(blobs, name))), `blob ${name} does not match its name`).toBe(`sha256:${name}`);
  }
  for (const name of readdirSync(layersDir)) {
    if (name === 'empty') continue;
    expect(name, 'stray entry in the layer cache').toMatch(HEX);
    const layer = layers.find((l) => l.diffId === `sha256:${name}`);
    expect(layer, `layer ${name} is not one of the pulled image`).toBeDefined();
    expectCompleteLayer(join(layersDir, name), layer!);
  }
  expect(readdirSync(images).filter((n) => n.startsWith('.')), 'temporary files left in the image store').toEqual([]);
  const index: IndexFile = existsSync(imageIndex) ? (JSON.parse(readFileSync(imageIndex, 'utf8')) as IndexFile) : { images: {}, tags: {} };
  for (const [id, image] of Object.entries(index.images)) {
    expect(existsSync(join(blobs, id.slice(7))), `config blob of ${id}`).toBe(true);
    for (const layer of image.layers) {
      expect(existsSync(join(blobs, layer.digest.slice(7))), `blob ${layer.digest} of ${id}`).toBe(true);
      expect(existsSync(join(layersDir, layer.diffId.slice(7))), `layer ${layer.diffId} of ${id}`).toBe(true);
    }
  }
  return index;
}

/** A pull that neither hangs nor resolves: rejects, and with what. */
async function failedPull(engine: EmbeddedEngine, events: ProgressEvent[]): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('pull did not settle within 60 s on a full disk')), 60_000);
  });
  try {
    const outcome = await Promise.race([engine.pullImage(REF, { onProgress: (e) => events.push(e) }).then(() => 'resolved' as const, (e: unknown) => e), hung]);
    expect(outcome, 'the pull succeeded although the disk is too small').not.toBe('resolved');
    expect(outcome).toBeInstanceOf(Error);
    return outcome as Error;
  } finally {
    clearTimeout(timer);
  }
}

async function text(chunks: AsyncIterable<OutputChunk>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) if (chunk.stream === 'stdout') out += chunk.data.toString();
  return out;
}

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('embedded engine: full disk during pull', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-full-'));
  const mountPoint = join(scratch, 'disk');
  let mounted = false;
  let engine: EmbeddedEngine | undefined;
  let layers: RefLayer[] = [];
  let configBytes = 0;
  let blobBytes = 0;
  let unpackedBytes = 0;

  const resize = (kib: number) => execFileSync('mount', ['-o', `remount,size=${kib}k`, 'tmpfs', mountPoint]);
  const freeBytes = () => {
    const s = statfsSync(mountPoint);
    return s.bavail * s.bsize;
  };
  /** A file still open after a failure keeps its room even once deleted (and keeps the tmpfs from unmounting). */
  const expectNoOpenFiles = () => {
    const open: string[] = [];
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        if (target.startsWith(mountPoint)) open.push(target);
      } catch {
        // closed meanwhile (the fd readdir itself used)
      }
    }
    expect(open, 'files of the data root left open').toEqual([]);
  };
  /** The failures above must not have left anything taking room either: what the store holds is all there is. */
  const expectNoHiddenUse = (expected: number) => {
    const s = statfsSync(mountPoint);
    expect((s.blocks - s.bfree) * s.bsize).toBeLessThanOrEqual(expected + 16 * PAGE);
  };

  beforeAll(async () => {
    const image = await referenceImage();
    layers = image.layers;
    configBytes = pages(image.configSize);
    blobBytes = layers.reduce((sum, l) => sum + pages(l.size), configBytes);
    unpackedBytes = layers.reduce((sum, l) => sum + l.unpacked, 0);
    execFileSync('mkdir', ['-p', mountPoint]);
    // Big enough for the engine to open; each phase then sets the size it needs.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0711', 'tmpfs', mountPoint]);
    mounted = true;
    engine = await createEmbeddedEngine({ dataRoot: join(mountPoint, 'data') });
  });

  afterAll(async () => {
    // Each step on its own, so that a failing one still lets the tmpfs be unmounted and the folder removed.
    const steps: [string, () => unknown][] = [
      ['remove containers', async () => {
        if (engine) for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true, volumes: true });
      }],
      ['close engine', () => engine?.close()],
      ['clean networking', () => engine?.net.cleanupAll()],
      ['unmount', () => {
        if (!mounted) return;
        try {
          execFileSync('umount', [mountPoint]);
        } catch {
          execFileSync('umount', ['-l', mountPoint]);
        }
        mounted = false;
      }],
      ['remove folder', () => rmSync(scratch, { recursive: true, force: true })],
    ];
    const errors: string[] = [];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    }
    expect(errors).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(mountPoint);
  });

  it('a download that runs out of room leaves no blob, layer or image', async () => {
    const half = Math.floor(layers[0]!.size / 2 / 1024);
    resize(half);
    expect(freeBytes()).toBeLessThan(layers[0]!.size);
    const events: ProgressEvent[] = [];
    const err = await failedPull(engine!, events);
    expect(err.message).toMatch(/ENOSPC|no space left/i);
    // It failed in the download, as the size was meant to make it.
    expect(events.some((e) => e.kind === 'layer' && e.status === 'Download complete')).toBe(false);
    const index = expectConsistentStore(engine!, layers);
    expect(index).toEqual({ images: {}, tags: {} });
    for (const layer of layers) expect(await engine!.images.blobs.has(layer.digest)).toBe(false);
    expect(await engine!.layers.list()).toEqual([]);
    await expect(engine!.inspectImage(REF)).rejects.toThrow(/not found/);
    expect(await engine!.listImages()).toEqual([]);
    expectNoOpenFiles();
    expectNoHiddenUse(configBytes + 4 * PAGE); // the config blob and the engine's own small files at most
  });

  it('an unpack that runs out of room leaves no layer marked done and no image', async () => {
    const kib = (blobBytes + 16 * PAGE + Math.floor(unpackedBytes / 2)) / 1024;
    resize(Math.floor(kib));
    expect(freeBytes()).toBeGreaterThan(blobBytes);
    expect(freeBytes()).toBeLessThan(blobBytes + unpackedBytes);
    const events: ProgressEvent[] = [];
    const err = await failedPull(engine!, events);
    expect(err.message).toMatch(/ENOSPC|no space left/i);
    // The blobs made it (verified, so they may stay); the unpack is what failed.
    expect(events.filter((e) => e.kind === 'layer' && e.status === 'Pull complete')).toEqual([]);
    for (const layer of layers) expect(await engine!.images.blobs.has(layer.digest)).toBe(true);
    const index = expectConsistentStore(engine!, layers);
    expect(index).toEqual({ images: {}, tags: {} });
    expect(await engine!.layers.list()).toEqual([]);
    expect(tree(engine!.paths.layers)).toEqual([]);
    await expect(engine!.inspectImage(REF)).rejects.toThrow(/not found/);
    expectNoOpenFiles();
    expectNoHiddenUse(blobBytes + 4 * PAGE);
  });

  it('with room again, the same pull succeeds, is verified and runs', async () => {
    resize(Math.ceil((4 * (blobBytes + unpackedBytes)) / 1024) + 8192);
    const events: ProgressEvent[] = [];
    await engine!.pullImage(REF, { onProgress: (e) => events.push(e) });
    expect(events.at(-1)?.kind).toBe('done');
    const image = await engine!.inspectImage(REF);
    const index = expectConsistentStore(engine!, layers);
    expect(Object.keys(index.images)).toEqual([image.id]);
    expect(index.images[image.id]!.layers.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
    // Every layer is there, complete (expectConsistentStore checked each one present against the registry's copy).
    expect((await engine!.layers.list()).sort()).toEqual(layers.map((l) => l.diffId).sort());

    const { id } = await engine!.createContainer({ name: 'full-disk-retry', image: REF, labels: {}, cmd: ['echo', 'ok'], networkMode: 'none' });
    await engine!.startContainer(id);
    expect((await engine!.waitContainer(id)).exitCode).toBe(0);
    expect(await text(engine!.containerLogs(id))).toBe('ok\n');
    await engine!.removeContainer(id);
    expectNoOpenFiles();
  });
});
