/**
 * The layer cache: each layer unpacked once into layers/<diff_id hex>/, ready to be an overlayfs lowerdir.
 * Overlay lowerdirs hold one layer's diff each and do not depend on their parents, so the diff_id is the key.
 * A layer is unpacked into a temporary directory and renamed into place only once its diff_id checked out and
 * its files are on disk, so a present directory is always a complete, verified layer; a failed unpack (a full
 * disk) removes the temporary directory.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InvalidRequestError } from '../../errors.js';
import { syncFilesystem } from '../state/files.js';
import { extractTar } from './unpack.js';

export class LayerDigestError extends InvalidRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'LayerDigestError';
  }
}

/**
 * Opens a layer blob, decompressing gzip natively and zstd through the zstd tool (Node 20 has no zstd).
 * Destroying the returned stream (as a failed extraction does) releases what feeds it: `.pipe()` alone would
 * leave the blob's file open, which keeps a full disk full even once the blob is deleted.
 */
export async function openLayerBlob(path: string): Promise<Readable> {
  const handle = await fs.open(path, 'r');
  const magic = Buffer.alloc(4);
  await handle.read(magic, 0, 4, 0);
  await handle.close();
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    const gunzip = createGunzip();
    // Errors reach the reader through `gunzip` itself; the promise only reports what it already saw.
    pipeline(createReadStream(path), gunzip).catch(() => undefined);
    return gunzip;
  }
  if (magic.readUInt32LE(0) === 0xfd2fb528) {
    const child = spawn('zstd', ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('close', () => child.kill());
    return child.stdout;
  }
  return createReadStream(path);
}

export class LayerCache {
  constructor(private readonly layersDir: string) {}

  dirFor(diffId: string): string {
    return join(this.layersDir, diffId.replace(/^sha256:/, ''));
  }

  async has(diffId: string): Promise<boolean> {
    return fs.stat(this.dirFor(diffId)).then((s) => s.isDirectory(), () => false);
  }

  /**
   * Unpacks the blob at `blobPath` unless the layer is already cached; the diff_id must match. Without an
   * expected diff_id (a rootfs import), the layer is keyed by what it turns out to be.
   */
  async ensure(diffId: string | undefined, blobPath: string): Promise<{ dir: string; diffId: string }> {
    if (diffId && (await this.has(diffId))) return { dir: this.dirFor(diffId), diffId };
    await fs.mkdir(this.layersDir, { recursive: true });
    const tmp = join(this.layersDir, `.tmp-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(tmp, { mode: 0o755 });
    try {
      const result = await extractTar(await openLayerBlob(blobPath), tmp, { whiteouts: 'overlay' });
      if (diffId && result.diffId !== diffId) {
        throw new LayerDigestError(`layer content does not match its diff_id: expected ${diffId}, got ${result.diffId}`);
      }
      // The rename marks the layer complete, so its files must be on disk before it: one syncfs for the tree.
      await syncFilesystem(tmp);
      const dir = this.dirFor(result.diffId);
      await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await fs.rm(tmp, { recursive: true, force: true }); // another process unpacked it first
      });
      return { dir, diffId: result.diffId };
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** An empty lowerdir, for images without layers. */
  async emptyLayer(): Promise<string> {
    const dir = join(this.layersDir, 'empty');
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  async list(): Promise<string[]> {
    const names = await fs.readdir(this.layersDir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async remove(diffId: string): Promise<void> {
    await fs.rm(this.dirFor(diffId), { recursive: true, force: true });
  }
}
