import { createHash } from 'node:crypto';
import type { Service } from './types.js';

/**
 * The part of a service that defines its containers: what the service hash covers and what the reconciler diffs
 * field by field. Left out: how the image is obtained (build, pull_policy), how many replicas (scale,
 * deploy.replicas), start ordering (depends_on), selection (profiles), the name (it is the key) and `x-*`
 * extensions. Changing any of those never recreates a container.
 */
export function serviceContainerConfig(service: Service): Record<string, unknown> {
  const { build: _build, pull_policy: _pull, scale: _scale, depends_on: _deps, profiles: _profiles, name: _name,
    extensions: _ext, ...rest } = service;
  const config: Record<string, unknown> = { ...rest };
  if (rest.deploy) {
    const { replicas: _replicas, ...deploy } = rest.deploy;
    if (Object.keys(deploy).length > 0) config.deploy = deploy;
    else delete config.deploy;
  }
  return stripExtensions(config);
}

/** A JSON text with keys sorted at every level, so that key order in the files never matters. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** sha256 (hex) of the canonical JSON of the service's container config: stored in the config-hash label. */
export function serviceConfigHash(service: Service): string {
  return createHash('sha256').update(canonicalJson(serviceContainerConfig(service))).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** `x-*` keys live in `extensions` bags of the service and of its volumes; user maps (labels, ...) are kept whole. */
function stripExtensions(config: Record<string, unknown>): Record<string, unknown> {
  const volumes = config.volumes as Array<Record<string, unknown>> | undefined;
  if (!volumes) return config;
  return {
    ...config,
    volumes: volumes.map(({ extensions: _ext, ...volume }) => volume),
  };
}
