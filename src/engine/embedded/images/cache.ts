/**
 * A directory of `docker save` archives with an index.tsv (reference, image id, archive path per line), as the test
 * environment keeps one for engines without a daemon (scripts/env/images.sh). Loading from it fills an embedded
 * data root with those images without a registry or a Docker daemon.
 */
import { promises as fs } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const DEFAULT_IMAGE_CACHE = '/var/cache/flotilla-images';

export interface CachedImage {
  ref: string;
  id: string;
  archive: string;
}

/** The cache directory: FLOTILLA_TEST_IMAGE_CACHE, else the test environment's default. */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLOTILLA_TEST_IMAGE_CACHE || DEFAULT_IMAGE_CACHE;
}

export async function readImageCache(dir: string = imageCacheDir()): Promise<CachedImage[]> {
  const text = await fs.readFile(join(dir, 'index.tsv'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length >= 3 && cols[0])
    .map(([ref, id, archive]) => ({ ref: ref!, id: id!, archive: isAbsolute(archive!) ? archive! : join(dir, archive!) }));
}

/** What loading needs from an engine: the embedded engine has both. */
export interface ArchiveLoader {
  inspectImage(ref: string): Promise<{ id: string }>;
  loadImageArchive(path: string): Promise<string[]>;
}

/**
 * Makes sure the engine has the cached images (all, or those of `refs`) under their references, loading the
 * archives of the missing or outdated ones. Returns the references it loaded.
 */
export async function ensureCachedImages(engine: ArchiveLoader, options: { refs?: string[]; cacheDir?: string } = {}): Promise<string[]> {
  const cached = await readImageCache(options.cacheDir ?? imageCacheDir());
  const wanted = options.refs ? cached.filter((c) => options.refs!.includes(c.ref)) : cached;
  const missing = options.refs?.filter((r) => !cached.some((c) => c.ref === r)) ?? [];
  if (missing.length) throw new Error(`no archive of ${missing.join(', ')} in the image cache ${options.cacheDir ?? imageCacheDir()}`);
  const loaded: string[] = [];
  for (const image of wanted) {
    const present = await engine.inspectImage(image.ref).then((i) => i.id, () => undefined);
    if (present === image.id) continue;
    await engine.loadImageArchive(image.archive);
    loaded.push(image.ref);
  }
  return loaded;
}
