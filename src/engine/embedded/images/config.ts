/** The OCI/Docker image config JSON and its engine-neutral view. */
import { healthcheckFromConfig } from '../../healthcheck-config.js';
import type { ImageConfig } from '../../types.js';

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
    healthcheck: healthcheckFromConfig(c.Healthcheck),
    stopSignal: c.StopSignal || undefined,
  };
}
