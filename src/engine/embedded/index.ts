/**
 * Entry point of the embedded (daemonless) engine, loaded lazily by ../select.ts.
 * Data root: options.dataRoot, else FLOTILLA_DATA_ROOT, else /var/lib/flotilla as root
 * (~/.local/share/flotilla otherwise). Opening the engine reconciles the data root with what really runs.
 */
import type { Engine } from '../types.js';
import { EmbeddedEngine } from './engine.js';
import { defaultDataRoot } from './state/paths.js';

export { EmbeddedEngine } from './engine.js';

export async function createEmbeddedEngine(options: { dataRoot?: string } = {}): Promise<Engine & EmbeddedEngine> {
  return new EmbeddedEngine(options.dataRoot ?? defaultDataRoot()).open();
}

export { ensureCachedImages, readImageCache, imageCacheDir } from './images/cache.js';

/** Makes sure the embedded data root has the test environment's cached images (loading the missing ones). */
export async function ensureDataRootImages(dataRoot: string, options: { refs?: string[]; cacheDir?: string } = {}): Promise<string[]> {
  const { ensureCachedImages } = await import('./images/cache.js');
  const engine = await createEmbeddedEngine({ dataRoot });
  try {
    return await ensureCachedImages(engine, options);
  } finally {
    await engine.close();
  }
}
