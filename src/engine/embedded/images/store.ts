/**
 * The image index: which images exist (keyed by id = config digest), their layers, and which tags point at
 * them. One JSON file rewritten atomically; callers hold the engine lock for every change.
 */
import { NotFoundError, ConflictError } from '../../errors.js';
import { readJson, writeJsonAtomic } from '../state/files.js';
import { BlobStore } from './blobs.js';
import { imageConfigView, type OciImageConfig } from './config.js';
import { familiarName, isDigest, normalizedName, parseReference, repositoryName } from './reference.js';
import type { ImageDetails, ImageSummary } from '../../types.js';

export interface LayerRecord {
  /** Digest of the stored blob (compressed or not, as it came). */
  digest: string;
  /** Digest of the uncompressed tar: the key of the unpacked layer. */
  diffId: string;
  mediaType: string;
  size: number;
}

export interface ImageRecord {
  /** "sha256:…" of the config blob. */
  id: string;
  layers: LayerRecord[];
  /** "repo@sha256:…" of the manifest the image was pulled by. */
  repoDigests: string[];
  /** When the image entered this store, ms since the epoch. */
  loaded: number;
}

interface IndexFile {
  images: Record<string, ImageRecord>;
  /** Normalized "domain/path:tag" → image id. */
  tags: Record<string, string>;
}

export class ImageStore {
  readonly blobs: BlobStore;

  constructor(
    blobsDir: string,
    private readonly indexPath: string,
  ) {
    this.blobs = new BlobStore(blobsDir);
  }

  async readIndex(): Promise<IndexFile> {
    return (await readJson<IndexFile>(this.indexPath)) ?? { images: {}, tags: {} };
  }

  private async writeIndex(index: IndexFile): Promise<void> {
    // Durable: the index is what marks an image present; after a crash it must be the old or the new one, whole.
    await writeJsonAtomic(this.indexPath, index, { durable: true });
  }

  /** Finds an image by id ("sha256:…", or a unique hex prefix), tag or digest reference. */
  async find(ref: string): Promise<ImageRecord | undefined> {
    const index = await this.readIndex();
    const text = ref.trim();
    const hex = text.replace(/^sha256:/, '');
    if (/^[a-f0-9]{6,64}$/.test(hex)) {
      const matches = Object.keys(index.images).filter((id) => id.slice(7).startsWith(hex));
      if (matches.length === 1) return index.images[matches[0]!];
    }
    let parsed;
    try {
      parsed = parseReference(text);
    } catch {
      return undefined;
    }
    if (parsed.digest) {
      const wanted = `${repositoryName(parsed)}@${parsed.digest}`;
      return Object.values(index.images).find((img) => img.repoDigests.includes(wanted));
    }
    const id = index.tags[normalizedName(parsed)];
    return id ? index.images[id] : undefined;
  }

  async get(ref: string): Promise<ImageRecord> {
    const image = await this.find(ref);
    if (!image) throw new NotFoundError('image', ref, { message: `image ${ref} not found` });
    return image;
  }

  async config(image: ImageRecord): Promise<OciImageConfig> {
    return JSON.parse((await this.blobs.read(image.id)).toString('utf8')) as OciImageConfig;
  }

  /** Records an image whose blobs are stored, and points the tags at it (moving them from other images). */
  async add(image: Omit<ImageRecord, 'loaded'>, tags: string[]): Promise<ImageRecord> {
    const index = await this.readIndex();
    const existing = index.images[image.id];
    const record: ImageRecord = existing
      ? { ...existing, repoDigests: [...new Set([...existing.repoDigests, ...image.repoDigests])] }
      : { ...image, loaded: Date.now() };
    index.images[image.id] = record;
    for (const tag of tags) index.tags[normalizedName(parseReference(tag))] = image.id;
    await this.writeIndex(index);
    return record;
  }

  async tag(source: string, target: string): Promise<void> {
    const image = await this.get(source);
    const parsed = parseReference(target);
    if (parsed.digest) throw new ConflictError(`cannot tag with a digest reference: ${target}`, 'image', target);
    const index = await this.readIndex();
    index.tags[normalizedName(parsed)] = image.id;
    await this.writeIndex(index);
  }

  tagsOf(index: IndexFile, id: string): string[] {
    return Object.entries(index.tags)
      .filter(([, target]) => target === id)
      .map(([name]) => name)
      .sort();
  }

  /**
   * Removes a tag, or the whole image when `ref` is an id or its last tag. Returns the ids of images deleted
   * (their blobs and layers are collected by the caller's GC).
   */
  async remove(ref: string, inUse: (id: string) => boolean, force: boolean): Promise<string[]> {
    const image = await this.get(ref);
    const index = await this.readIndex();
    const tags = this.tagsOf(index, image.id);
    const byTag = !isDigest(ref) && !/^[a-f0-9]{6,64}$/.test(ref) && !ref.includes('@');
    if (byTag && tags.length > 1) {
      delete index.tags[normalizedName(parseReference(ref))];
      await this.writeIndex(index);
      return [];
    }
    if (inUse(image.id)) {
      if (!force) {
        throw new ConflictError(`image ${ref} is used by a container; remove the container first`, 'image', ref);
      }
      // Like Docker: a forced removal of an image in use only drops its names.
      for (const tag of tags) delete index.tags[tag];
      await this.writeIndex(index);
      return [];
    }
    if (!force && !byTag && tags.length > 1) {
      throw new ConflictError(`image ${ref} has several tags; remove them one by one or force`, 'image', ref);
    }
    for (const tag of tags) delete index.tags[tag];
    delete index.images[image.id];
    await this.writeIndex(index);
    return [image.id];
  }

  async summary(image: ImageRecord, index?: IndexFile): Promise<ImageSummary> {
    const idx = index ?? (await this.readIndex());
    const config = await this.config(image);
    return {
      id: image.id,
      repoTags: this.tagsOf(idx, image.id).map(familiarName),
      repoDigests: image.repoDigests.map(familiarName),
      labels: config.config?.Labels ?? {},
      size: image.layers.reduce((sum, l) => sum + l.size, 0),
      created: config.created ? Date.parse(config.created) : image.loaded,
    };
  }

  async details(image: ImageRecord): Promise<ImageDetails> {
    const config = await this.config(image);
    return {
      ...(await this.summary(image)),
      config: imageConfigView(config),
      os: config.os ?? 'linux',
      architecture: config.architecture ?? 'amd64',
    };
  }
}
