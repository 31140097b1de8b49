/**
 * A service's `deploy` section and device requests (`gpus`, `deploy.resources.*.devices`) → the typed model:
 * durations in ns, sizes in bytes, counts as numbers or `all`.
 */
import type { Deploy, DeviceRequest, ResourceSpec } from './types.js';
import { isMapping } from './tree-canonical.js';
import {
  bytes, compact, duration, float, int, mappingOrEmpty, str, stringList, stringMapping, type Mapping, type Path,
} from './to-model-values.js';

function resources(r: Mapping, path: Path): ResourceSpec {
  return compact({
    cpus: float(r.cpus, [...path, 'cpus']),
    memory: bytes(r.memory, [...path, 'memory']),
    pids: int(r.pids, [...path, 'pids']),
    devices: Array.isArray(r.devices)
      ? r.devices.map((d, i) => deviceRequest(mappingOrEmpty(d), [...path, 'devices', i]))
      : undefined,
    generic_resources: Array.isArray(r.generic_resources) ? r.generic_resources : undefined,
  });
}

export function deploy(d: Mapping, path: Path): Deploy {
  const at = (...rest: string[]): Path => [...path, ...rest];
  const res = mappingOrEmpty(d.resources);
  const policy = mappingOrEmpty(d.restart_policy);
  const updates = (u: unknown, key: string) => {
    if (!isMapping(u)) return undefined;
    const out: Record<string, unknown> = { ...u };
    for (const k of ['delay', 'monitor']) if (k in u) out[k] = duration(u[k], at(key, k));
    if ('parallelism' in u) out.parallelism = int(u.parallelism, at(key, 'parallelism'));
    if ('max_failure_ratio' in u) out.max_failure_ratio = float(u.max_failure_ratio, at(key, 'max_failure_ratio'));
    return out;
  };
  return compact({
    mode: str(d.mode),
    replicas: int(d.replicas, at('replicas')),
    labels: stringMapping(d.labels, at('labels')),
    resources: isMapping(d.resources)
      ? compact({
          limits: isMapping(res.limits) ? resources(res.limits, at('resources', 'limits')) : undefined,
          reservations: isMapping(res.reservations)
            ? resources(res.reservations, at('resources', 'reservations'))
            : undefined,
        })
      : undefined,
    restart_policy: isMapping(d.restart_policy)
      ? compact({
          condition: str(policy.condition),
          delay: duration(policy.delay, at('restart_policy', 'delay')),
          max_attempts: int(policy.max_attempts, at('restart_policy', 'max_attempts')),
          window: duration(policy.window, at('restart_policy', 'window')),
        })
      : undefined,
    update_config: updates(d.update_config, 'update_config'),
    rollback_config: updates(d.rollback_config, 'rollback_config'),
    placement: isMapping(d.placement) ? d.placement : undefined,
    endpoint_mode: str(d.endpoint_mode),
  });
}

export function deviceRequest(d: Mapping, path: Path): DeviceRequest {
  let count: number | 'all' | undefined;
  if (d.count === 'all' || d.count === -1) count = 'all';
  else count = int(d.count, [...path, 'count']);
  return compact({
    capabilities: stringList(d.capabilities),
    count,
    device_ids: stringList(d.device_ids),
    driver: str(d.driver),
    options: stringMapping(d.options, [...path, 'options']),
  });
}
