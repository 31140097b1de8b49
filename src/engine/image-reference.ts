/**
 * The parts of an image reference as Docker splits `[registry[:port]/]path[:tag][@digest]`: a colon after the last
 * slash starts the tag (before it, a registry port), and the first component is a registry when it looks like a
 * host (a dot, a port, or `localhost`). No normalization and no validation: the callers add theirs.
 */
export interface ReferenceParts {
  /** The registry as written; absent when the reference names none (Docker Hub). */
  registry?: string;
  /** The repository path as written, e.g. `busybox` or `team/app`. */
  path: string;
  tag?: string;
  digest?: string;
}

export function splitReference(ref: string): ReferenceParts {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    ...(hasRegistry ? { registry: first } : {}),
    path: hasRegistry ? rest.slice(slash + 1) : rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
