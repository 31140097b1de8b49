/**
 * Bringing images in without a registry: `docker save` archives (the legacy layout with manifest.json, and the
 * OCI layout Docker 25+ writes, which also carries manifest.json) and plain rootfs tarballs (`docker import`).
 * Archive entry names are only used as keys, never as paths, so an archive cannot write outside the store.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { InvalidRequestError } from '../../errors.js';
import type { BlobInfo } from './blobs.js';
import type { OciImageConfig } from './config.js';
import { LayerDigestError, type LayerCache } from './layers.js';
import type { ImageRecord, ImageStore, LayerRecord } from './store.js';

const SMALL_FILE = 1 << 20;
const TAR_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';

interface SaveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** Reads the archive: small files kept in memory, large ones (layers) streamed into the blob store. */
async function readArchive(source: Readable, store: ImageStore) {
  const small = new Map<string, Buffer>();
  const large = new Map<string, BlobInfo>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      stream.resume();
      next();
      return;
    }
    if ((header.size ?? 0) <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        small.set(name, Buffer.concat(chunks));
        next();
      });
      stream.on('error', next);
      return;
    }
    store.blobs.put(stream).then((info) => {
      large.set(name, info);
      next();
    }, (err: Error) => next(err));
  });
  await pipeline(source, extract);
  return { small, large };
}

async function storeLayerFile(
  name: string,
  files: { small: Map<string, Buffer>; large: Map<string, BlobInfo> },
  store: ImageStore,
): Promise<BlobInfo> {
  const big = files.large.get(name);
  if (big) return big;
  const data = files.small.get(name);
  if (!data) throw new InvalidRequestError(`image archive lacks the layer file ${name}`);
  return store.blobs.putBuffer(data);
}

function isCompressed(head: Buffer): boolean {
  return (head[0] === 0x1f && head[1] === 0x8b) || (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528);
}

/** Loads every image of a `docker save` archive; returns the images added, with their tags. */
export async function loadSaveArchive(
  source: Readable,
  store: ImageStore,
  layers: LayerCache,
): Promise<{ image: ImageRecord; tags: string[] }[]> {
  const files = await readArchive(source, store);
  const manifestData = files.small.get('manifest.json');
  if (!manifestData) throw new InvalidRequestError('not a docker save archive: manifest.json is missing');
  const manifest = JSON.parse(manifestData.toString('utf8')) as SaveManifestEntry[];
  const loaded: { image: ImageRecord; tags: string[] }[] = [];
  for (const entry of manifest) {
    const configData = files.small.get(entry.Config);
    if (!configData) throw new InvalidRequestError(`image archive lacks the config ${entry.Config}`);
    const config = JSON.parse(configData.toString('utf8')) as OciImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== entry.Layers.length) {
      throw new LayerDigestError(`image config lists ${diffIds.length} layers, the archive has ${entry.Layers.length}`);
    }
    const records: LayerRecord[] = [];
    for (const [i, name] of entry.Layers.entries()) {
      const blob = await storeLayerFile(name, files, store);
      const diffId = diffIds[i]!;
      const head = await store.blobs.head(blob.digest, 4);
      // An uncompressed layer's digest is its diff_id: check it before spending time unpacking.
      if (!isCompressed(head) && blob.digest !== diffId) {
        throw new LayerDigestError(`layer ${i} (${name}) does not match its diff_id: expected ${diffId}, got ${blob.digest}`);
      }
      await layers.ensure(diffId, store.blobs.path(blob.digest));
      records.push({ digest: blob.digest, diffId, mediaType: TAR_MEDIA_TYPE, size: blob.size });
    }
    const configBlob = await store.blobs.putBuffer(configData);
    const tags = entry.RepoTags ?? [];
    const image = await store.add({ id: configBlob.digest, layers: records, repoDigests: [] }, tags);
    loaded.push({ image, tags });
  }
  return loaded;
}

export interface ImportOptions {
  tag?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
}

/** Imports a rootfs tarball (optionally gzip/zstd) as a one-layer image, like `docker import`. */
export async function importRootfs(
  source: Readable,
  store: ImageStore,
  layers: LayerCache,
  options: ImportOptions = {},
): Promise<ImageRecord> {
  const blob = await store.blobs.put(source);
  const { diffId } = await layers.ensure(undefined, store.blobs.path(blob.digest));
  const config: OciImageConfig = {
    created: new Date().toISOString(),
    architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    config: {
      Env: options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: options.cmd ?? null,
      Entrypoint: options.entrypoint ?? null,
      WorkingDir: options.workingDir ?? '',
      Labels: options.labels ?? null,
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  const configBlob = await store.blobs.putBuffer(JSON.stringify(config));
  const layer: LayerRecord = { digest: blob.digest, diffId, mediaType: TAR_MEDIA_TYPE, size: blob.size };
  return store.add({ id: configBlob.digest, layers: [layer], repoDigests: [] }, options.tag ? [options.tag] : []);
}

/** sha256 of a buffer as an OCI digest. */
export function digestOf(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
