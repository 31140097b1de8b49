/**
 * Path joining as the reference loader does it (Go's filepath.Join/Rel): results are cleaned ("./" → "."),
 * and a relative base gives a relative result, which is how included and extended files keep their paths
 * relative to the project directory until the final resolution.
 */
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export function goJoin(base: string, path: string): string {
  if (isAbsolute(path)) return clean(path);
  if (base === '') return clean(path);
  return clean(join(base, path));
}

export function clean(path: string): string {
  if (path === '') return '';
  const joined = join(path);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** `rel(base, target)` like Go: "." for the same directory; both must be absolute or both relative to `cwd`. */
export function goRel(base: string, target: string, cwd: string): string {
  const from = resolve(cwd, base);
  const to = resolve(cwd, target);
  if (!isAbsolute(base) && isAbsolute(target)) return target;
  const rel = relative(from, to);
  return rel === '' ? '.' : rel;
}

/** The directory holding `file` (a path as given, relative to `base`). */
export function fileDir(base: string, file: string): string {
  return dirname(goJoin(base, file));
}
