/**
 * Finds where a path of the merged tree was written: the last file (in load order) that has a node there, or
 * failing that the closest enclosing node. Merging loses positions; the per-document source maps keep them.
 */
import type { SourceMap, SourcePosition, TreePath } from './tags.js';

export class SourceLocator {
  private readonly maps: SourceMap[] = [];

  add(map: SourceMap): void {
    this.maps.push(map);
  }

  /** The position of `path`, or of its closest ancestor that some file declares. */
  locate(path: TreePath): SourcePosition | undefined {
    for (let length = path.length; length > 0; length--) {
      const prefix = path.slice(0, length);
      for (let i = this.maps.length - 1; i >= 0; i--) {
        const position = this.maps[i]?.positionOf(prefix);
        if (position) return position;
      }
    }
    return undefined;
  }
}
