/**
 * The assertions of the loader vectors (README "Assertions"): equals with the zero-value rule, must_exist,
 * typed values (duration, bytes, file_mode), length, absent, present/not_null, extensions.
 */
type Mapping = Record<string, unknown>;
export type Segment = string | number;

export interface Assertion {
  path: Segment[];
  equals?: unknown;
  must_exist?: boolean;
  type?: 'duration' | 'bytes' | 'file_mode';
  ns?: number;
  length?: number;
  absent?: boolean;
  present?: boolean;
  not_null?: boolean;
  extensions?: Mapping;
  round_trip?: boolean;
}

/** Maps whose keys the user chooses: an absent key there is not "zero", it is missing. */
const USER_KEYED = new Set([
  'services', 'networks', 'volumes', 'secrets', 'configs', 'models', 'environment', 'labels', 'annotations',
  'sysctls', 'driver_opts', 'options', 'extra_hosts', 'args', 'depends_on', 'ulimits', 'storage_opt',
  'additional_contexts', 'aux_addresses', '$environment', '$options_environment',
]);

const MISSING = Symbol('missing');

export function readPath(root: unknown, path: Segment[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return MISSING;
    const next = (node as Mapping)[String(segment)];
    if (next === undefined) return MISSING;
    node = next;
  }
  return node;
}

function isZero(value: unknown): boolean {
  if (value === MISSING || value === undefined || value === null || value === '' || value === 0 || value === false) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

/** Deep equality where an absent fixed attribute equals its zero value. Returns a difference or undefined. */
export function zeroEqual(actual: unknown, expected: unknown, where: string, userKeyed: boolean): string | undefined {
  if ((actual === MISSING || actual === undefined) && !userKeyed) {
    return isZero(expected) ? undefined : `${where}: missing, expected ${JSON.stringify(expected)}`;
  }
  if (expected === null && isZero(actual) && !userKeyed) return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where}: expected a list, got ${JSON.stringify(actual)}`;
    if (actual.length !== expected.length) {
      return `${where}: expected ${expected.length} items, got ${actual.length} (${JSON.stringify(actual)})`;
    }
    for (let i = 0; i < expected.length; i++) {
      const diff = zeroEqual(actual[i], expected[i], `${where}[${i}]`, false);
      if (diff) return diff;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      if (isZero(expected) && isZero(actual)) return undefined;
      return `${where}: expected a mapping, got ${JSON.stringify(actual)}`;
    }
    const name = where.split('.').pop() ?? '';
    const childrenUserKeyed = USER_KEYED.has(name);
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual as Mapping)]);
    for (const key of keys) {
      const a = Object.hasOwn(actual, key) ? (actual as Mapping)[key] : MISSING;
      const e = Object.hasOwn(expected, key) ? (expected as Mapping)[key] : MISSING;
      if (e === MISSING) {
        if (childrenUserKeyed || !isZero(a)) return `${where}.${key}: unexpected ${JSON.stringify(a)}`;
        continue;
      }
      if (a === MISSING && childrenUserKeyed) return `${where}.${key}: missing`;
      const diff = zeroEqual(a, e, `${where}.${key}`, false);
      if (diff) return diff;
    }
    return undefined;
  }
  if (actual === expected) return undefined;
  if (isZero(actual) && isZero(expected) && !userKeyed) return undefined;
  return `${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual === MISSING ? undefined : actual)}`;
}

/** Checks one assertion against a view; returns a failure message or undefined. */
export function checkAssertion(view: unknown, assertion: Assertion): string | undefined {
  const value = readPath(view, assertion.path);
  const where = assertion.path.map(String).join('.') || '<root>';
  if (assertion.absent) return value === MISSING ? undefined : `${where}: expected absent, got ${JSON.stringify(value)}`;
  if (assertion.present) {
    if (value === MISSING) return `${where}: expected present`;
    if (assertion.not_null && value === null) return `${where}: expected not null`;
  }
  if (assertion.length !== undefined) {
    const length = value === MISSING || value === null ? 0 : Array.isArray(value) ? value.length : Object.keys(value as object).length;
    if (length !== assertion.length) return `${where}: expected length ${assertion.length}, got ${length} (${JSON.stringify(value)})`;
  }
  if (assertion.extensions) {
    const found: Mapping = {};
    if (value !== MISSING && value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Mapping)) if (k.startsWith('x-')) found[k] = v;
    }
    const diff = zeroEqual(found, assertion.extensions, `${where}(extensions)`, true);
    if (diff) return diff;
  }
  if ('equals' in assertion) {
    if (assertion.must_exist && value === MISSING) return `${where}: must exist`;
    const expected = assertion.type === 'duration' ? assertion.ns : assertion.equals;
    const last = assertion.path[assertion.path.length - 1];
    const parent = assertion.path[assertion.path.length - 2];
    const userKeyed = typeof parent === 'string' && USER_KEYED.has(parent) && typeof last === 'string';
    return zeroEqual(value, expected, where, userKeyed && assertion.must_exist === true);
  }
  return undefined;
}
