/**
 * Garbage collection of the image store: blobs no image refers to and unpacked layers no image or container
 * uses are deleted, with leftovers of interrupted writes. Caller holds the engine lock.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { LayerCache } from './layers.js';
import type { ImageStore } from './store.js';

export async function collectGarbage(
  store: ImageStore,
  layers: LayerCache,
  dirs: { blobs: string; layers: string },
  containerLayers: string[],
): Promise<{ blobs: number; layers: number }> {
  const index = await store.readIndex();
  const blobs = new Set<string>();
  const usedLayers = new Set<string>(containerLayers);
  for (const image of Object.values(index.images)) {
    blobs.add(image.id);
    for (const layer of image.layers) {
      blobs.add(layer.digest);
      usedLayers.add(layer.diffId);
    }
  }
  let removedBlobs = 0;
  for (const digest of await store.blobs.list()) {
    if (blobs.has(digest)) continue;
    await store.blobs.remove(digest);
    removedBlobs++;
  }
  let removedLayers = 0;
  for (const diffId of await layers.list()) {
    if (usedLayers.has(diffId)) continue;
    await layers.remove(diffId);
    removedLayers++;
  }
  // Interrupted writes: only possible leftovers, since every writer holds the lock we hold now.
  for (const [dir, prefix] of [[dirs.blobs, '.partial-'], [dirs.layers, '.tmp-']] as const) {
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(prefix)) await fs.rm(join(dir, name), { recursive: true, force: true });
    }
  }
  return { blobs: removedBlobs, layers: removedLayers };
}
