/**
 * Field-by-field differences between two JSON values, worded for a plan line:
 * `environment.LOG_LEVEL "info" → "debug"`, `ports[0].published "8080" → "8081"`, `cpus (unset) → 2`.
 */

export interface FieldChange {
  /** `environment.LOG_LEVEL`, `ports[0].published`, `labels["com.example.a"]`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** Every leaf that differs, in key order (keys sorted), arrays compared index by index. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (deepEqual(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], joinKey(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    const changes: FieldChange[] = [];
    for (let i = 0; i < length; i++) changes.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    return changes;
  }
  return [{ path: path || '(root)', before, after }];
}

export function formatChange(change: FieldChange): string {
  return `${change.path} ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

/** At most `limit` changes, then `and N more`. */
export function formatChanges(changes: FieldChange[], limit = 3): string {
  const shown = changes.slice(0, limit).map(formatChange);
  if (changes.length > limit) shown.push(`and ${changes.length - limit} more`);
  return shown.join(', ');
}

const MAX_VALUE_LENGTH = 40;

function formatValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function joinKey(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return keysA.length === keysB.length && keysA.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
