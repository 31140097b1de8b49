/**
 * Value syntaxes of the compose format that are not YAML types: Go durations ("1m30s"), byte sizes ("512m"),
 * octal file modes ("0440"). Parsed the way the reference loader parses them so that the same text means the
 * same number, and printed back the way `docker compose config` prints them.
 */

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration ("1h2m3.5s", "100ms", "0") into nanoseconds. Throws with Go's message on bad input. */
export function parseDuration(text: string): number {
  const original = text;
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration "${original}"`);
  let total = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.[0-9]*)?/.exec(s);
    const numText = num ? num[0] : '';
    if (numText === '' || numText === '.') throw new Error(`time: invalid duration "${original}"`);
    s = s.slice(numText.length);
    const unit = /^[^0-9.]+/.exec(s);
    if (!unit) throw new Error(`time: missing unit in duration "${original}"`);
    const factor = DURATION_UNITS[unit[0]];
    if (factor === undefined) throw new Error(`time: unknown unit "${unit[0]}" in duration "${original}"`);
    s = s.slice(unit[0].length);
    total += Number.parseFloat(numText) * factor;
  }
  return sign * Math.round(total);
}

/** Formats nanoseconds like Go's time.Duration.String(): "1m30s", "1h0m0s", "500ms", "0s". */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const negative = ns < 0;
  let d = Math.abs(Math.round(ns));
  let out: string;
  if (d < 1e9) {
    if (d < 1e3) out = `${d}ns`;
    else if (d < 1e6) out = `${trimFraction(d / 1e3)}µs`;
    else out = `${trimFraction(d / 1e6)}ms`;
  } else {
    const hours = Math.floor(d / 3600e9);
    d -= hours * 3600e9;
    const minutes = Math.floor(d / 60e9);
    d -= minutes * 60e9;
    const seconds = trimFraction(d / 1e9);
    out = hours > 0 ? `${hours}h${minutes}m${seconds}s` : minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
  }
  return negative ? `-${out}` : out;
}

function trimFraction(value: number): string {
  // at most 9 decimals (nanosecond precision), no trailing zeros, as Go prints them
  return value.toFixed(9).replace(/\.?0+$/, '');
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Parses a byte size the way docker's go-units RAMInBytes does ("512m", "1.5g", "1024", "50M", "1gb"). */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  const text = String(value);
  const match = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!match) throw new Error(`invalid size: '${text}'`);
  const size = Number.parseFloat(match[1] ?? '0');
  const factor = SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.trunc(size * factor);
}

/** A file mode: a YAML number is taken as is (octal literals were decoded by the parser), a string is octal. */
export function parseFileMode(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim().replace(/^0o/i, '');
  if (!/^[0-7]+$/.test(text)) throw new Error(`invalid file mode: '${String(value)}'`);
  return Number.parseInt(text, 8);
}

/** Octal text of a file mode, as `config` prints it ("0440"). */
export function formatFileMode(mode: number): string {
  return '0' + mode.toString(8);
}

/** A scalar as Go's fmt `%v` prints it: what the reference turns numbers and booleans into in string maps. */
export function goString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const text = String(value);
    // Go prints large/small floats with an exponent (%v uses %g): 1e+21, 1e-05
    return text.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(value);
}
