/**
 * Image references as Docker reads them: `[registry[:port]/]path[:tag][@digest]`. Only what Flotilla needs:
 * the registry a reference lives on (to find credentials), whether its tag is `latest`, and the tagless name.
 */
import { splitReference } from '../engine/image-reference.js';

/** Docker Hub, however a reference or a config file spells it. */
export const DOCKER_HUB = 'docker.io';
/** The key `docker login` uses for Docker Hub in config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface ImageReference {
  /** Registry host (with port), `docker.io` when the reference names none. */
  registry: string;
  /** Repository path without the registry, e.g. `library/nginx` or `team/app`. */
  repository: string;
  /** Absent when the reference has a digest and no tag. */
  tag?: string;
  digest?: string;
}

export function parseReference(ref: string): ImageReference {
  const parts = splitReference(ref);
  let registry = parts.registry ?? DOCKER_HUB;
  let repository = parts.path;
  let tag = parts.tag;
  const digest = parts.digest;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** True when the reference resolves to the `latest` tag (written or implied). */
export function isLatestTag(ref: string): boolean {
  return parseReference(ref).tag === 'latest';
}

/** The registry host part of a config.json key: `https://index.docker.io/v1/` → `docker.io`, `http://h:5001` → `h:5001`. */
export function registryOfAuthKey(key: string): string {
  let host = key.replace(/^[a-z]+:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash !== -1) host = host.slice(0, slash);
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return DOCKER_HUB;
  return host;
}
