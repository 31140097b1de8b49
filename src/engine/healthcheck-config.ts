/**
 * A healthcheck as Docker's API and image configs write it (also the OCI image configs of the embedded engine's
 * store), durations in nanoseconds, read into the Engine interface's form, in milliseconds.
 */
import type { HealthcheckSpec } from './types.js';

const NS_PER_MS = 1_000_000;

/** The image or container config's `Healthcheck` → the spec; none when it has no test. */
export function healthcheckFromConfig(
  raw: { Test?: string[] | null; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number } | null | undefined,
): HealthcheckSpec | undefined {
  if (!raw || !Array.isArray(raw.Test) || raw.Test.length === 0) return undefined;
  const spec: HealthcheckSpec = { test: raw.Test };
  if (raw.Interval) spec.intervalMs = raw.Interval / NS_PER_MS;
  if (raw.Timeout) spec.timeoutMs = raw.Timeout / NS_PER_MS;
  if (raw.Retries) spec.retries = raw.Retries;
  if (raw.StartPeriod) spec.startPeriodMs = raw.StartPeriod / NS_PER_MS;
  if (raw.StartInterval) spec.startIntervalMs = raw.StartInterval / NS_PER_MS;
  return spec;
}
