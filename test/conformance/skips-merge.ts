/**
 * Conformance vectors of the merge and normalize families that are not run, with the reason.
 * Only vectors that exercise a mechanism specific to the Go implementation may be listed here.
 * Keys are vector names (the `name` field of the vector file).
 */
export const MERGE_SKIPS: Readonly<Record<string, string>> = {};

export const NORMALIZE_SKIPS: Readonly<Record<string, string>> = {};
