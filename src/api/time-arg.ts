/**
 * `--since` / `--until` values as Docker accepts them on its command line: a Unix timestamp ("1700000000",
 * "1700000000.5"), an RFC 3339 date or time ("2024-05-01", "2024-05-01T10:00:00Z"), or a duration relative to
 * now ("10m", "1h30m", "45s"). The engine API only takes Unix seconds, so everything is converted here.
 */
import { FlotillaError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds since the epoch that the value designates. */
export function parseTimeArg(value: string, now: number = Date.now()): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const duration = parseDurationMs(text);
  if (duration !== undefined) return now - duration;
  // A date without a zone is local time, as Docker reads it.
  const parsed = Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00` : text);
  if (Number.isFinite(parsed)) return parsed;
  throw new FlotillaError(`invalid time "${value}"`, {
    hint: 'use a Unix timestamp, an RFC 3339 time such as 2024-05-01T10:00:00Z, or a duration such as 10m',
  });
}

/** Go-style duration ("1h30m", "250ms", "2.5s"), in milliseconds; undefined when it is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return total;
}

/** Milliseconds → the "seconds.nanoseconds" string the engine's logs and events endpoints expect. */
export function unixSecondsArg(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}
