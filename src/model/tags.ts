/**
 * YAML custom tags of the compose format, kept in the raw document tree until the merge step.
 * `!reset` removes or clears the value inherited from earlier files or `extends`;
 * `!override` replaces the inherited value instead of merging with it.
 */
export class ResetTag {
  constructor(public readonly value: unknown) {}
}

export class OverrideTag {
  constructor(public readonly value: unknown) {}
}

/** A position in a source file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** A path into a document tree: mapping keys as strings, sequence indexes as numbers. */
export type TreePath = ReadonlyArray<string | number>;

/** Looks up where a node of a parsed file came from. */
export interface SourceMap {
  positionOf(path: TreePath): SourcePosition | undefined;
}
