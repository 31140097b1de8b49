/** The OCI/Docker image config JSON and its engine-neutral view. */
import type { HealthcheckSpec, ImageConfig } from '../../types.js';

/** The parts of an image config (application/vnd.oci.image.config.v1+json) the engine reads. */
export interface OciImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object> | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    Healthcheck?: {
      Test?: string[];
      Interval?: number;
      Timeout?: number;
      Retries?: number;
      StartPeriod?: number;
      StartInterval?: number;
    };
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: unknown[];
}

const NS_PER_MS = 1_000_000;

function healthcheckOf(raw: NonNullable<OciImageConfig['config']>['Healthcheck']): HealthcheckSpec | undefined {
  if (!raw?.Test || raw.Test.length === 0) return undefined;
  const spec: HealthcheckSpec = { test: raw.Test };
  if (raw.Interval) spec.intervalMs = raw.Interval / NS_PER_MS;
  if (raw.Timeout) spec.timeoutMs = raw.Timeout / NS_PER_MS;
  if (raw.Retries) spec.retries = raw.Retries;
  if (raw.StartPeriod) spec.startPeriodMs = raw.StartPeriod / NS_PER_MS;
  if (raw.StartInterval) spec.startIntervalMs = raw.StartInterval / NS_PER_MS;
  return spec;
}

export function imageConfigView(raw: OciImageConfig): ImageConfig {
  const c = raw.config ?? {};
  return {
    entrypoint: c.Entrypoint && c.Entrypoint.length > 0 ? c.Entrypoint : null,
    cmd: c.Cmd && c.Cmd.length > 0 ? c.Cmd : null,
    env: c.Env ?? [],
    workingDir: c.WorkingDir ?? '',
    user: c.User ?? '',
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    volumes: Object.keys(c.Volumes ?? {}),
    labels: c.Labels ?? {},
    healthcheck: healthcheckOf(c.Healthcheck),
    stopSignal: c.StopSignal || undefined,
  };
}
