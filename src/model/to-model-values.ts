/**
 * Conversions from raw tree values to the typed model's values, each failing with the tree path of the value so
 * the error can point into the file. Numbers and booleans may arrive as strings (interpolation runs before
 * validation, and the schema accepts both), as the reference's decoder accepts them.
 */
import { TreeValueError, isMapping } from './tree-canonical.js';
import { goString, parseBytes, parseDuration, parseFileMode } from './units.js';
import type { Extensions } from './types.js';

export type Mapping = Record<string, unknown>;
export type Path = Array<string | number>;

export function fail(path: Path, message: string): never {
  throw new TreeValueError(path, message);
}

export function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return goString(value);
}

export function int(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Math.trunc(value);
  const n = Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(n)) fail(path, `must be an integer, got "${String(value)}"`);
  return Math.trunc(n);
}

export function float(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  const n = Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(n)) fail(path, `must be a number, got "${String(value)}"`);
  return n;
}

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);

export function bool(value: unknown, path: Path): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return fail(path, `must be a boolean, got "${String(value)}"`);
}

export function duration(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  try {
    return parseDuration(String(value));
  } catch (error) {
    return fail(path, (error as Error).message);
  }
}

export function bytes(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseBytes(value);
  } catch (error) {
    return fail(path, (error as Error).message);
  }
}

export function fileMode(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return parseFileMode(value);
  } catch (error) {
    return fail(path, (error as Error).message);
  }
}

/** A string or a list of strings, as a list. */
export function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => goString(v));
  return [goString(value)];
}

/**
 * `labels`-like attributes: a mapping or a `KEY=VALUE` list, as a mapping of strings. A key without a value
 * is the empty string (labels, sysctls) — environment-like attributes use envMapping instead.
 */
export function stringMapping(value: unknown, path: Path): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = goString(entry);
      const eq = text.indexOf('=');
      if (eq < 0) out[text] = '';
      else out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  if (!isMapping(value)) return fail(path, 'must be a mapping or a list of KEY=VALUE');
  for (const [key, v] of Object.entries(value)) out[key] = v === null || v === undefined ? '' : goString(v);
  return out;
}

/** `environment`-like attributes: a bare name (no `=`) or a null value stays null: "take it from elsewhere". */
export function envMapping(value: unknown, path: Path): Record<string, string | null> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string | null> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = goString(entry);
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      if (key.endsWith(' ') || key.endsWith('\t')) {
        fail(path, `environment variable ${key} is declared with a trailing space`);
      }
      out[key] = eq < 0 ? null : text.slice(eq + 1);
    }
    return out;
  }
  if (!isMapping(value)) return fail(path, 'must be a mapping');
  for (const [key, v] of Object.entries(value)) out[key] = v === null || v === undefined ? null : goString(v);
  return out;
}

/** `x-*` keys of a mapping, or undefined when there are none. */
export function extensionsOf(value: Mapping): Extensions | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('x-')) (out ??= {})[key] = v;
  }
  return out as Extensions | undefined;
}

/** Removes keys whose value is undefined, so absent attributes stay absent. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export function mappingOrEmpty(value: unknown): Mapping {
  return isMapping(value) ? value : {};
}
