/**
 * Identities and `KEY=VALUE` strings are formatted as the reference loader (Go, `fmt`) formats them, so that
 * values of other types give the same strings and the same identities there and here.
 */
import { compareStrings, isMapping } from './merge-tree.js';

/** The Go type name `fmt` shows for a decoded YAML value. */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's `%v`. */
export function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isMapping(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    return `map[${keys.map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's `%s`: a non-string value is shown with its type, e.g. `%!s(int=8080)`. */
export function goS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return `%!s(${goType(v)}=${goV(v)})`;
}

/** Go's `%d`. */
export function goD(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (v === null || v === undefined) return '%!d(<nil>)';
  return `%!d(${goType(v)}=${goV(v)})`;
}

/** Go's `%v` of a number: integers in full, other floats in the shortest form, with an exponent from 1e+06 on. */
function goNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) {
    if (n === Infinity) return '+Inf';
    if (n === -Infinity) return '-Inf';
    if (Number.isNaN(n)) return 'NaN';
    return String(n);
  }
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}
