/** `images`: the images the project's containers were created from. */
import { NotFoundError } from '../engine/errors.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, withProjectScope } from './project-containers.js';

/** Options of `images`: which services. */
export interface ImagesOptions extends ProjectOptions {
  services?: string[];
}

/** One container and its image. */
export interface ContainerImage {
  containerName: string;
  service: string;
  /** "sha256:…" */
  id: string;
  repository: string;
  tag: string;
  /** Bytes; 0 when the image is gone. */
  size: number;
  /** ms since the epoch; 0 when unknown. */
  created: number;
  platform: string;
}

/** The images the project's containers use (`images`). */
export async function images(options: ImagesOptions): Promise<ContainerImage[]> {
  return withProjectScope(options, options.services, async (session, scope) => {
    const engine = session.engine;
    const containers = await findProjectContainers(engine, scope.name, { services: options.services });
    const ids = [...new Set(containers.map((c) => c.imageId))];
    const details = new Map(await Promise.all(ids.map(async (id) => {
      try {
        return [id, await engine.inspectImage(id)] as const;
      } catch (error) {
        if (error instanceof NotFoundError) return [id, undefined] as const;
        throw error;
      }
    })));
    return containers.map((c): ContainerImage => {
      const image = details.get(c.imageId);
      // The reference the container was created with, else the image's first tag.
      const reference = !c.image.startsWith('sha256:') ? c.image : image?.repoTags[0] ?? '<none>:<none>';
      const { repository, tag } = splitReference(reference);
      return {
        containerName: c.name, service: c.labels['com.docker.compose.service'] ?? '', id: c.imageId, repository, tag,
        size: image?.size ?? 0, created: image?.created ?? 0,
        platform: image ? `${image.os}/${image.architecture}` : '',
      };
    });
  });
}

/** `registry:5000/a/b:tag` → repository `registry:5000/a/b`, tag `tag` (default latest); digests keep `<none>`. */
export function splitReference(reference: string): { repository: string; tag: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repository: reference.slice(0, at), tag: '<none>' };
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}
