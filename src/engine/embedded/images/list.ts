/** Listing the image store as the Engine interface asks: by reference (normalized like Docker's) and by label. */
import type { ImageSummary, LabelFilter } from '../../types.js';
import { matchesLabels } from '../volumes.js';
import { normalizedName, parseReference } from './reference.js';
import type { ImageStore } from './store.js';

export async function listImageSummaries(images: ImageStore, options: { labels?: LabelFilter; references?: string[] } = {}): Promise<ImageSummary[]> {
  const index = await images.readIndex();
  const wanted = options.references?.map((r) => {
    try {
      return normalizedName(parseReference(r));
    } catch {
      return r;
    }
  });
  const out: ImageSummary[] = [];
  for (const image of Object.values(index.images)) {
    if (wanted && !images.tagsOf(index, image.id).some((t) => wanted.includes(t)) && !wanted.includes(image.id)) continue;
    const summary = await images.summary(image, index);
    if (!matchesLabels(summary.labels, options.labels)) continue;
    out.push(summary);
  }
  return out;
}
