/**
 * Pulling an image: manifest (an index or manifest list resolves to this platform's entry), config and
 * layers, each verified against its digest while it streams into the blob store; then the layers are
 * unpacked and the image recorded under the engine lock.
 */
import { InvalidRequestError } from '../../errors.js';
import type { PullOptions } from '../../types.js';
import type { LayerCache } from './layers.js';
import { parseReference, repositoryName } from './reference.js';
import { RegistryClient, type Manifest } from './registry.js';
import type { ImageStore, LayerRecord } from './store.js';
import type { OciImageConfig } from './config.js';

export interface PullDeps {
  images: ImageStore;
  layers: LayerCache;
  locked: <R>(fn: () => Promise<R>) => Promise<R>;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}

function wantedPlatform(platform?: string): { os: string; architecture: string; variant?: string } {
  const goArch = process.arch === 'x64' ? 'amd64' : process.arch;
  const [os = 'linux', architecture = goArch, variant] = (platform ?? '').split('/').filter(Boolean);
  return { os, architecture, variant };
}

async function imageManifest(client: RegistryClient, repo: string, first: Manifest, ref: string, platform?: string): Promise<Manifest> {
  const doc = JSON.parse(first.body.toString('utf8')) as { manifests?: Descriptor[] };
  if (!doc.manifests) return first;
  const want = wantedPlatform(platform);
  const entry = doc.manifests.find(
    (m) => m.platform?.os === want.os && m.platform.architecture === want.architecture && (!want.variant || m.platform.variant === want.variant),
  );
  if (!entry) throw new InvalidRequestError(`image ${ref} has no variant for ${want.os}/${want.architecture}`);
  return client.manifest(repo, entry.digest, ref);
}

export async function pullImage(ref: string, options: PullOptions, deps: PullDeps): Promise<void> {
  const parsed = parseReference(ref);
  const client = new RegistryClient(parsed.domain, options.auth);
  const progress = options.onProgress ?? (() => undefined);
  const reference = parsed.digest ?? parsed.tag ?? 'latest';
  progress({ kind: 'status', message: `Pulling from ${parsed.path}` });
  const top = await client.manifest(parsed.path, reference, ref);
  const manifest = await imageManifest(client, parsed.path, top, ref, options.platform);
  const doc = JSON.parse(manifest.body.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
  if (!doc.config || !doc.layers) throw new InvalidRequestError(`unsupported manifest for ${ref} (${manifest.mediaType})`);
  const configData = await deps.images.blobs.put(await client.blob(parsed.path, doc.config.digest), doc.config);
  const config = JSON.parse((await deps.images.blobs.read(configData.digest)).toString('utf8')) as OciImageConfig;
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== doc.layers.length) {
    throw new InvalidRequestError(`image ${ref}: config lists ${diffIds.length} layers, the manifest ${doc.layers.length}`);
  }
  const layers: LayerRecord[] = [];
  // allSettled, not all: when one download fails (a full disk), the others must have stopped writing and
  // removed their partial blobs before the pull reports the failure.
  const downloads = await Promise.allSettled(
    doc.layers.map(async (layer, i) => {
      const id = layer.digest.slice(7, 19);
      if (await deps.images.blobs.has(layer.digest)) {
        progress({ kind: 'layer', id, status: 'Already exists' });
      } else {
        progress({ kind: 'layer', id, status: 'Downloading', current: 0, total: layer.size });
        await deps.images.blobs.put(await client.blob(parsed.path, layer.digest), layer);
        progress({ kind: 'layer', id, status: 'Download complete', current: layer.size, total: layer.size });
      }
      layers[i] = { digest: layer.digest, diffId: diffIds[i]!, mediaType: layer.mediaType, size: layer.size };
    }),
  );
  const failed = downloads.find((d): d is PromiseRejectedResult => d.status === 'rejected');
  if (failed) throw failed.reason;
  await deps.locked(async () => {
    for (const layer of layers) {
      await deps.layers.ensure(layer.diffId, deps.images.blobs.path(layer.digest));
      progress({ kind: 'layer', id: layer.digest.slice(7, 19), status: 'Pull complete' });
    }
    const tags = parsed.digest ? [] : [ref];
    await deps.images.add({ id: configData.digest, layers, repoDigests: [`${repositoryName(parsed)}@${top.digest}`] }, tags);
  });
  progress({ kind: 'done', digest: top.digest });
}
