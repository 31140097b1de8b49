/**
 * `!reset` and `!override` in a later compose file: a tagged value does not merge with the inherited one, it
 * removes it (`!reset`) or replaces it (`!override`). Resolving the tags yields a tag-free tree and the paths whose
 * inherited value must go before merging.
 */
import { OverrideTag, ResetTag } from './tags.js';
import { isMapping, setKey, type Mapping, type Segments } from './merge-tree.js';

/** Marker for a `!reset` node: the value disappears from the tree. */
export const REMOVED = Symbol('removed');

/**
 * Resolves the tags of a tree that has nothing to merge with (a single file, or the first one):
 * a `!reset` value is removed, an `!override` value is kept as it is. Returns a new tree; tag-free parts are copied.
 */
export function stripTags(tree: unknown): unknown {
  const resolved = resolveTags(tree, [], []);
  return resolved === REMOVED ? null : resolved;
}

/**
 * Copies `node` with its tags resolved and records the mapping paths that carried a tag: the inherited value
 * there must go before merging. Paths through sequences are not recorded, as in the reference loader, where
 * a tag inside a sequence only affects that sequence's own entry.
 */
export function resolveTags(node: unknown, path: Segments, tagged: Segments[] | null): unknown {
  if (node instanceof ResetTag) {
    tagged?.push(path);
    return REMOVED;
  }
  if (node instanceof OverrideTag) {
    tagged?.push(path);
    // The replacement value is taken as written: tags nested inside it have no inherited value to act on.
    return untag(node.value);
  }
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      const r = resolveTags(item, path, null);
      if (r !== REMOVED) out.push(r);
    }
    return out;
  }
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) {
      const r = resolveTags(v, [...path, k], tagged);
      if (r !== REMOVED) setKey(out, k, r);
    }
    return out;
  }
  return node;
}

function untag(node: unknown): unknown {
  if (node instanceof ResetTag || node instanceof OverrideTag) return untag(node.value);
  if (Array.isArray(node)) return node.map(untag);
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) setKey(out, k, untag(v));
    return out;
  }
  return node;
}

/** Deletes the value at `path` (an inherited value a tag discards); a path that does not exist is left alone. */
export function removeAt(root: Mapping, path: Segments): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isMapping(node)) return;
    node = Object.hasOwn(node, path[i]!) ? node[path[i]!] : undefined;
  }
  if (isMapping(node) && path.length > 0) delete node[path[path.length - 1]!];
}
