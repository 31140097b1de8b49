/**
 * Content-addressed blobs (OCI image-layout style: blobs/sha256/<hex>). A blob is written to a temporary file
 * while its sha256 is computed, flushed to disk, and only renamed into place when it matches the expected digest,
 * so a blob present under a name always has that content; a failed write (a full disk) removes its temporary.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../errors.js';
import { LayerDigestError } from './layers.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

export class BlobStore {
  constructor(private readonly dir: string) {}

  path(digest: string): string {
    return join(this.dir, digest.replace(/^sha256:/, ''));
  }

  async has(digest: string): Promise<boolean> {
    return fs.access(this.path(digest)).then(() => true, () => false);
  }

  /** Stores the stream; when `expected` is given, a different digest (or size) rejects the blob. */
  async put(source: Readable, expected?: { digest?: string; size?: number }): Promise<BlobInfo> {
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.partial-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      // flush: fsync before the stream finishes. The rename below vouches for the content, so it must be on
      // disk first, and a write the disk lost must fail here rather than later.
      await pipeline(source, counter, createWriteStream(tmp, { mode: 0o644, flush: true }));
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected?.digest && expected.digest !== digest) {
        throw new LayerDigestError(`blob digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (expected?.size !== undefined && expected.size !== size) {
        throw new LayerDigestError(`blob ${digest} has ${size} bytes, expected ${expected.size}`);
      }
      await fs.rename(tmp, this.path(digest));
      return { digest, size };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async putBuffer(data: Buffer | string, expectedDigest?: string): Promise<BlobInfo> {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = `sha256:${createHash('sha256').update(buffer).digest('hex')}`;
    if (expectedDigest && expectedDigest !== digest) {
      throw new LayerDigestError(`blob digest mismatch: expected ${expectedDigest}, got ${digest}`);
    }
    if (!(await this.has(digest))) {
      await fs.mkdir(this.dir, { recursive: true });
      const tmp = join(this.dir, `.partial-${randomBytes(6).toString('hex')}`);
      try {
        const handle = await fs.open(tmp, 'w', 0o644);
        try {
          await handle.writeFile(buffer);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(tmp, this.path(digest));
      } finally {
        await fs.rm(tmp, { force: true });
      }
    }
    return { digest, size: buffer.length };
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(digest));
    } catch {
      throw new NotFoundError('image', digest, { message: `blob ${digest} is missing from the image store` });
    }
  }

  /** The first bytes of a blob (to sniff its compression). */
  async head(digest: string, length: number): Promise<Buffer> {
    const handle = await fs.open(this.path(digest), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  async list(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async remove(digest: string): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }
}
