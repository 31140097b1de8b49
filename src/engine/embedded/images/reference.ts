/**
 * Image references, normalized the way Docker does: "busybox" → docker.io/library/busybox:latest,
 * "127.0.0.1:5000/app" → 127.0.0.1:5000/app:latest. The store keys tags by the normalized form and shows
 * the familiar one (docker.io/library/ dropped), as `docker images` does.
 */
import { InvalidRequestError } from '../../errors.js';
import { splitReference } from '../../image-reference.js';

export interface ImageReference {
  /** Registry host, e.g. "docker.io" or "127.0.0.1:5000". */
  domain: string;
  /** Repository path within the registry, e.g. "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseReference(ref: string): ImageReference {
  const parts = splitReference(ref.trim());
  const digest = parts.digest;
  if (digest !== undefined && !DIGEST.test(digest)) throw new InvalidRequestError(`invalid digest in image reference "${ref}"`);
  let tag = parts.tag;
  const domain = parts.registry ?? 'docker.io';
  let path = parts.path;
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    throw new InvalidRequestError(`invalid image reference "${ref}"`);
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new InvalidRequestError(`invalid tag in image reference "${ref}"`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, tag, digest };
}

/** The repository name without tag or digest, normalized. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The normalized "domain/path:tag" key, or "domain/path@digest". */
export function normalizedName(ref: ImageReference): string {
  const repo = repositoryName(ref);
  return ref.digest ? `${repo}@${ref.digest}` : `${repo}:${ref.tag ?? 'latest'}`;
}

/** "docker.io/library/busybox:latest" → "busybox:latest" (the form people and `docker images` use). */
export function familiarName(normalized: string): string {
  if (normalized.startsWith('docker.io/library/')) return normalized.slice('docker.io/library/'.length);
  if (normalized.startsWith('docker.io/')) return normalized.slice('docker.io/'.length);
  return normalized;
}

export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}
