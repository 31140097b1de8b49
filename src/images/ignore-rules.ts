/**
 * `.dockerignore` rules, as Docker applies them to a build context: patterns relative to the context root,
 * `*`, `?`, `[...]`, `**`, `!` exceptions, the last matching line wins, a pattern matching a directory excludes
 * everything under it. Matching itself is @balena/dockerignore (a port of Docker's); this module adds what a walk
 * needs: files that are always sent whatever the rules say, and whether a whole excluded directory can be skipped.
 */
import dockerignore from '@balena/dockerignore';

// The package is CommonJS and sets `default` on its export; under NodeNext the typed default is that property.
const ignore = dockerignore.default;

export interface IgnoreRules {
  /** The ignore file the rules come from (absolute), if any. */
  readonly source?: string;
  /** Its text as read (sent to the engine unchanged, or extended; see context.ts). */
  readonly text?: string;
  /** True when `path` (relative, `/`-separated) must not be sent. */
  excludes(path: string): boolean;
  /** For an excluded directory: true when nothing under it can be sent (no exception could re-include a file). */
  canSkipDirectory(path: string): boolean;
}

/** Lines of an ignore file as Docker reads them: trimmed, no blanks, no `#` comments. */
export function ignorePatterns(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Rules from `text` (the content of an ignore file). `alwaysSent` files (the Dockerfile, `.dockerignore`) are sent
 * even when a pattern excludes them, as the Docker CLI does: the engine needs them, and removes them itself from
 * what COPY sees when the rules exclude them.
 */
export function createIgnoreRules(text: string | undefined, alwaysSent: string[], source?: string): IgnoreRules {
  const patterns = text === undefined ? [] : ignorePatterns(text);
  const matcher = ignore().add(patterns);
  const forced = new Set(alwaysSent);
  // Where an exception could re-include something: the part of each exception before its first wildcard.
  const exceptionPrefixes = [
    ...patterns.filter((p) => p.startsWith('!')).map((p) => literalPrefix(cleanPattern(p.slice(1)))),
    ...alwaysSent,
  ];
  return {
    ...(source !== undefined ? { source } : {}),
    ...(text !== undefined ? { text } : {}),
    excludes: (path) => patterns.length > 0 && !forced.has(path) && matcher.ignores(path),
    canSkipDirectory: (path) => {
      const dirSlash = `${path}/`;
      return !exceptionPrefixes.some((prefix) => prefix.startsWith(dirSlash) || dirSlash.startsWith(prefix));
    },
  };
}

function cleanPattern(pattern: string): string {
  return pattern.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** `src/keep/**` → `src/keep/`; `**\/x` → `` (could be anywhere). */
function literalPrefix(pattern: string): string {
  const wildcard = pattern.search(/[*?[\\]/);
  return wildcard === -1 ? pattern : pattern.slice(0, wildcard);
}
