/**
 * The canonical document `flotilla config` prints, shaped like `docker compose config`: `name` first, then
 * services (attributes sorted), networks, volumes, secrets, configs, models and `x-*`; durations as Go strings
 * ("1m30s"), byte sizes as strings of digits, published ports as strings, file modes in octal. Loading this
 * output again gives the same model.
 */
import type {
  DeviceRequest, Healthcheck, Project, ResourceSpec, Secret, Service, ServiceDependency, ServicePort,
  ServiceVolume, Ulimit,
} from './types.js';
import { formatDuration, formatFileMode } from './units.js';

type Mapping = Record<string, unknown>;

export function projectDocument(project: Project): Mapping {
  const doc: Mapping = { name: project.name };
  doc.services = sortedMap(project.services, serviceDocument);
  if (nonEmpty(project.networks)) doc.networks = sortedMap(project.networks, (n) => withExtensions(n));
  if (nonEmpty(project.volumes)) doc.volumes = sortedMap(project.volumes, (v) => withExtensions(v));
  if (nonEmpty(project.secrets)) doc.secrets = sortedMap(project.secrets, secretDocument);
  if (nonEmpty(project.configs)) doc.configs = sortedMap(project.configs, secretDocument);
  if (project.models && nonEmpty(project.models)) doc.models = sortedMap(project.models, (m) => withExtensions(m));
  Object.assign(doc, project.extensions ?? {});
  return doc;
}

export function serviceDocument(service: Service): Mapping {
  const out: Mapping = {};
  const { name: _name, extensions, ...attributes } = service;
  for (const key of Object.keys(attributes).sort()) {
    const value = (attributes as Mapping)[key];
    if (value === undefined) continue;
    if (key === 'environment' && Object.keys(value as object).length === 0) continue;
    out[key] = serviceAttribute(key, value);
  }
  Object.assign(out, extensions ?? {});
  return out;
}

const SIZES = new Set(['shm_size', 'mem_limit', 'mem_reservation', 'memswap_limit']);

function serviceAttribute(key: string, value: unknown): unknown {
  if (SIZES.has(key)) return String(value);
  switch (key) {
    case 'stop_grace_period':
      return formatDuration(value as number);
    case 'ports':
      return (value as ServicePort[]).map(portDocument);
    case 'volumes':
      return (value as ServiceVolume[]).map(volumeDocument);
    case 'depends_on':
      return sortedMap(value as Record<string, ServiceDependency>, dependencyDocument);
    case 'healthcheck':
      return healthcheckDocument(value as Healthcheck);
    case 'build':
      return buildDocument(value as Mapping);
    case 'deploy':
      return deployDocument(value as Mapping);
    case 'ulimits':
      return ulimitsDocument(value as Record<string, Ulimit>);
    case 'secrets':
    case 'configs':
      return (value as Array<{ mode?: number }>).map((ref) =>
        ref.mode === undefined ? ref : { ...ref, mode: formatFileMode(ref.mode) },
      );
    case 'gpus':
      return (value as DeviceRequest[]).map(deviceDocument);
    case 'blkio_config':
      return blkioDocument(value as Mapping);
    case 'environment':
    case 'labels':
    case 'annotations':
    case 'sysctls':
      return sortKeys(value as Mapping);
    default:
      return value;
  }
}

function portDocument(port: ServicePort): Mapping {
  return ordered(port, ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol']);
}

function volumeDocument(volume: ServiceVolume): Mapping {
  const out = ordered(volume, ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image']);
  if (volume.tmpfs?.size !== undefined) out.tmpfs = { ...volume.tmpfs, size: String(volume.tmpfs.size) };
  return Object.assign(out, volume.extensions ?? {});
}

function dependencyDocument(dependency: ServiceDependency): Mapping {
  const out: Mapping = { condition: dependency.condition };
  if (dependency.restart) out.restart = true;
  out.required = dependency.required;
  return out;
}

function healthcheckDocument(check: Healthcheck): Mapping {
  const out: Mapping = {};
  for (const [key, value] of Object.entries(check)) {
    if (value === undefined) continue;
    out[key] = ['interval', 'timeout', 'start_period', 'start_interval'].includes(key)
      ? formatDuration(value as number)
      : value;
  }
  return out;
}

function buildDocument(build: Mapping): Mapping {
  const { extensions, ...rest } = build;
  const out: Mapping = {};
  for (const key of Object.keys(rest).sort()) {
    const value = rest[key];
    if (value === undefined) continue;
    if (key === 'shm_size') out[key] = String(value);
    else if (key === 'ulimits') out[key] = ulimitsDocument(value as Record<string, Ulimit>);
    else if (key === 'secrets') {
      out[key] = (value as Array<{ mode?: number }>).map((r) => (r.mode === undefined ? r : { ...r, mode: formatFileMode(r.mode) }));
    } else out[key] = value;
  }
  return Object.assign(out, (extensions as Mapping | undefined) ?? {});
}

function deployDocument(deploy: Mapping): Mapping {
  const out: Mapping = { ...deploy };
  const resources = deploy.resources as { limits?: ResourceSpec; reservations?: ResourceSpec } | undefined;
  if (resources) {
    const spec = (r: ResourceSpec | undefined) =>
      r && {
        ...r,
        ...(r.memory !== undefined ? { memory: String(r.memory) } : {}),
        ...(r.devices ? { devices: r.devices.map(deviceDocument) } : {}),
      };
    out.resources = dropUndefined({ limits: spec(resources.limits), reservations: spec(resources.reservations) });
  }
  const policy = deploy.restart_policy as Mapping | undefined;
  if (policy) out.restart_policy = durations(policy, ['delay', 'window']);
  for (const key of ['update_config', 'rollback_config']) {
    if (deploy[key]) out[key] = durations(deploy[key] as Mapping, ['delay', 'monitor']);
  }
  return dropUndefined(out);
}

function deviceDocument(device: DeviceRequest): Mapping {
  return dropUndefined({ ...device });
}

function ulimitsDocument(ulimits: Record<string, Ulimit>): Mapping {
  return sortedMap(ulimits, (u) => (u.soft === u.hard ? u.soft : { soft: u.soft, hard: u.hard }));
}

function blkioDocument(blkio: Mapping): Mapping {
  const out: Mapping = { ...blkio };
  for (const key of ['device_read_bps', 'device_write_bps']) {
    if (Array.isArray(blkio[key])) {
      out[key] = (blkio[key] as Mapping[]).map((e) => (e.rate === undefined ? e : { ...e, rate: String(e.rate) }));
    }
  }
  return out;
}

function secretDocument(secret: Secret): Mapping {
  // content taken from an environment variable is not printed (the variable is)
  const { content, ...rest } = secret;
  const out = withExtensions(rest);
  if (content !== undefined && secret.environment === undefined) out.content = content;
  return out;
}

function withExtensions<T extends { extensions?: unknown }>(value: T): Mapping {
  const { extensions, ...rest } = value;
  return Object.assign(dropUndefined(rest as Mapping), (extensions as Mapping | undefined) ?? {});
}

function durations(value: Mapping, keys: string[]): Mapping {
  const out: Mapping = { ...value };
  for (const key of keys) if (typeof out[key] === 'number') out[key] = formatDuration(out[key] as number);
  return dropUndefined(out);
}

function ordered(value: object, keys: string[]): Mapping {
  const source = value as Mapping;
  const out: Mapping = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function sortedMap<T>(map: Record<string, T>, convert: (value: T) => unknown): Mapping {
  const out: Mapping = {};
  for (const key of Object.keys(map).sort()) out[key] = convert(map[key] as T);
  return out;
}

function sortKeys(map: Mapping): Mapping {
  return sortedMap(map, (v) => v);
}

function dropUndefined(value: Mapping): Mapping {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

function nonEmpty(map: object): boolean {
  return Object.keys(map).length > 0;
}
