/**
 * Resolving a path inside a container's root filesystem the way the container would see it: symlinks
 * (absolute or relative) are followed relative to that root, and ".." never climbs above it. Needed
 * whenever the engine reads or writes container files from the host (user lookup, archives, volume copy-up).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const MAX_LINKS = 40;

/** The host path of `path` inside `root`; the last component may be missing (it is not resolved then). */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  let pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    let stat;
    try {
      stat = await fs.lstat(candidate);
    } catch {
      resolved.push(part, ...pending);
      // Missing components: nothing more to follow.
      return join(root, ...normalize([...resolved]));
    }
    if (stat.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links in ${path}`);
      const target = await fs.readlink(candidate);
      const targetParts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (target.startsWith('/')) resolved.length = 0;
      pending = [...targetParts, ...pending];
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}

function normalize(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}
