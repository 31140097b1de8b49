/**
 * Tree helpers shared by the multi-file merge (merge.ts), its tag handling (merge-tags.ts) and the de-duplication
 * pass (unicity.ts). Trees are plain JSON-like values as the YAML reader gives them.
 */
import { isMapping } from './tree-canonical.js';

// The same mapping test as the canonical pass: a `!reset`/`!override` node is a tag, never a mapping.
export { isMapping };

export type Mapping = Record<string, unknown>;
/** A path in the tree, one segment per key; `*` in a rule pattern matches any key. */
export type Segments = readonly string[];

/** Sets a key without ever touching the prototype (a compose file may well contain a `__proto__` key). */
export function setKey(target: Mapping, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

export function clone(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clone);
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) setKey(out, k, clone(v));
    return out;
  }
  return node;
}

/** Whether `path` is matched by a rule pattern of the same length (`*` matches any segment). */
export function matches(path: Segments, pattern: Segments): boolean {
  if (path.length !== pattern.length) return false;
  for (let i = 0; i < path.length; i++) if (pattern[i] !== '*' && pattern[i] !== path[i]) return false;
  return true;
}

export function dotted(path: Segments): string {
  return path.join('.');
}

/** Plain code-unit order, never locale-aware, so that sorted `KEY=VALUE` lists come out as the reference loader's. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
