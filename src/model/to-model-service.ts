/**
 * One service of the canonical tree → the typed Service: every attribute in long form with its units
 * (durations in ns, sizes in bytes), lists and mappings in one shape.
 */
import type {
  BuildConfig, Healthcheck, Logging, Service, ServiceDependency, ServiceHook, ServiceNetworkAttachment, ServicePort,
  ServiceSecretRef, ServiceVolume, Ulimit,
} from './types.js';
import { deploy, deviceRequest } from './to-model-deploy.js';
import { isMapping } from './tree-canonical.js';
import { splitShellWords } from './shell-words.js';
import {
  bool, bytes, compact, duration, envMapping, extensionsOf, fail, fileMode, float, int, mappingOrEmpty, str,
  stringList, stringMapping, type Mapping, type Path,
} from './to-model-values.js';
import { goString } from './units.js';

/** Attributes copied as they are (strings, or structures the model keeps raw). */
const STRINGS = [
  'image', 'container_name', 'hostname', 'domainname', 'user', 'working_dir', 'network_mode', 'mac_address',
  'restart', 'stop_signal', 'pull_policy', 'pull_refresh_after', 'cpuset', 'ipc', 'pid', 'uts', 'cgroup',
  'cgroup_parent', 'userns_mode', 'runtime', 'isolation', 'platform',
] as const;
const STRING_LISTS = [
  'label_file', 'expose', 'volumes_from', 'tmpfs', 'links', 'external_links', 'dns', 'dns_opt', 'dns_search',
  'profiles', 'cap_add', 'cap_drop', 'security_opt', 'device_cgroup_rules', 'group_add',
] as const;
const BOOLEANS = [
  'privileged', 'read_only', 'init', 'tty', 'stdin_open', 'oom_kill_disable', 'attach', 'use_api_socket',
] as const;
const INTEGERS = [
  'scale', 'mem_swappiness', 'cpu_shares', 'cpu_quota', 'cpu_period', 'cpu_rt_period', 'cpu_rt_runtime',
  'cpu_count', 'pids_limit', 'oom_score_adj',
] as const;
const FLOATS = ['cpus', 'cpu_percent'] as const;
const SIZES = ['shm_size', 'mem_limit', 'mem_reservation', 'memswap_limit'] as const;
const RAW = ['blkio_config', 'credential_spec', 'develop'] as const;

export function buildService(name: string, raw: Mapping, path: Path): Service {
  const at = (...rest: Array<string | number>): Path => [...path, ...rest];
  const s = raw;
  const service: Record<string, unknown> = { name };
  for (const key of STRINGS) if (s[key] !== undefined && s[key] !== null) service[key] = str(s[key]);
  for (const key of STRING_LISTS) service[key] = stringList(s[key]);
  for (const key of BOOLEANS) service[key] = bool(s[key], at(key));
  for (const key of INTEGERS) service[key] = int(s[key], at(key));
  for (const key of FLOATS) service[key] = float(s[key], at(key));
  for (const key of SIZES) service[key] = bytes(s[key], at(key));
  for (const key of RAW) if (s[key] !== undefined && s[key] !== null) service[key] = s[key];
  if (isMapping(s.blkio_config)) service.blkio_config = blkio(s.blkio_config, at('blkio_config'));

  service.build = isMapping(s.build) ? build(s.build, at('build')) : undefined;
  service.command = command(s.command, at('command'));
  service.entrypoint = command(s.entrypoint, at('entrypoint'));
  service.environment = envMapping(s.environment, at('environment')) ?? {};
  service.env_file = Array.isArray(s.env_file)
    ? s.env_file.map((e, i) => {
        const entry = mappingOrEmpty(e);
        return compact({
          path: goString(entry.path),
          required: bool(entry.required, at('env_file', i, 'required')) ?? true,
          format: str(entry.format),
        });
      })
    : undefined;
  service.labels = stringMapping(s.labels, at('labels'));
  service.annotations = stringMapping(s.annotations, at('annotations'));
  service.sysctls = stringMapping(s.sysctls, at('sysctls'));
  service.storage_opt = stringMapping(s.storage_opt, at('storage_opt'));
  service.ports = Array.isArray(s.ports) ? s.ports.map((p, i) => port(mappingOrEmpty(p), at('ports', i))) : undefined;
  service.volumes = Array.isArray(s.volumes)
    ? s.volumes.map((v, i) => volume(mappingOrEmpty(v), at('volumes', i)))
    : undefined;
  service.networks = isMapping(s.networks) ? networks(s.networks, at('networks')) : undefined;
  service.extra_hosts = extraHosts(s.extra_hosts, at('extra_hosts'));
  service.depends_on = isMapping(s.depends_on) ? dependsOn(s.depends_on, at('depends_on')) : undefined;
  service.healthcheck = isMapping(s.healthcheck) ? healthcheck(s.healthcheck, at('healthcheck')) : undefined;
  service.stop_grace_period = duration(s.stop_grace_period, at('stop_grace_period'));
  service.deploy = isMapping(s.deploy) ? deploy(s.deploy, at('deploy')) : undefined;
  service.secrets = fileRefs(s.secrets, at('secrets'));
  service.configs = fileRefs(s.configs, at('configs'));
  service.logging = isMapping(s.logging) ? logging(s.logging, at('logging')) : undefined;
  service.ulimits = isMapping(s.ulimits) ? ulimits(s.ulimits, at('ulimits')) : undefined;
  service.devices = Array.isArray(s.devices)
    ? s.devices.map((d) => {
        const m = mappingOrEmpty(d);
        return compact({ source: goString(m.source), target: goString(m.target), permissions: str(m.permissions) });
      })
    : undefined;
  service.gpus = Array.isArray(s.gpus) ? s.gpus.map((g, i) => deviceRequest(mappingOrEmpty(g), at('gpus', i))) : undefined;
  for (const key of ['post_start', 'pre_stop', 'pre_start'] as const) {
    service[key] = Array.isArray(s[key])
      ? (s[key] as unknown[]).map((h, i) => hook(mappingOrEmpty(h), at(key, i)))
      : undefined;
  }
  service.provider = isMapping(s.provider) ? provider(s.provider) : undefined;
  service.models = isMapping(s.models) ? (s.models as Service['models']) : undefined;
  service.extensions = extensionsOf(s);
  return compact(service) as unknown as Service;
}

function command(value: unknown, path: Path): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => goString(v));
  try {
    return splitShellWords(goString(value));
  } catch (error) {
    return fail(path, (error as Error).message);
  }
}

function build(b: Mapping, path: Path): BuildConfig {
  const at = (...rest: Array<string | number>): Path => [...path, ...rest];
  const args = envMapping(b.args, at('args'));
  const ssh = isMapping(b.ssh)
    ? Object.entries(b.ssh).map(([id, p]) => (p === null || p === undefined || p === '' ? id : `${id}=${goString(p)}`))
    : stringList(b.ssh);
  return compact({
    context: goString(b.context ?? '.'),
    dockerfile: str(b.dockerfile),
    dockerfile_inline: str(b.dockerfile_inline),
    args,
    ssh,
    labels: stringMapping(b.labels, at('labels')),
    cache_from: stringList(b.cache_from),
    cache_to: stringList(b.cache_to),
    no_cache: bool(b.no_cache, at('no_cache')),
    no_cache_filter: stringList(b.no_cache_filter),
    additional_contexts: stringMapping(b.additional_contexts, at('additional_contexts')),
    network: str(b.network),
    pull: bool(b.pull, at('pull')),
    target: str(b.target),
    shm_size: bytes(b.shm_size, at('shm_size')),
    extra_hosts: extraHosts(b.extra_hosts, at('extra_hosts')),
    isolation: str(b.isolation),
    privileged: bool(b.privileged, at('privileged')),
    secrets: fileRefs(b.secrets, at('secrets')),
    tags: stringList(b.tags),
    ulimits: isMapping(b.ulimits) ? ulimits(b.ulimits, at('ulimits')) : undefined,
    platforms: stringList(b.platforms),
    entitlements: stringList(b.entitlements),
    provenance: str(b.provenance),
    sbom: str(b.sbom),
    extensions: extensionsOf(b),
  });
}

function port(p: Mapping, path: Path): ServicePort {
  const published = p.published === null || p.published === undefined || p.published === '' ? undefined : goString(p.published);
  return compact({
    name: str(p.name),
    mode: (str(p.mode) ?? 'ingress') as ServicePort['mode'],
    host_ip: str(p.host_ip) || undefined,
    target: int(p.target, [...path, 'target']) ?? 0,
    published,
    protocol: (str(p.protocol) ?? 'tcp') as ServicePort['protocol'],
    app_protocol: str(p.app_protocol),
  });
}

function volume(v: Mapping, path: Path): ServiceVolume {
  const at = (...rest: Array<string | number>): Path => [...path, ...rest];
  const bind = isMapping(v.bind)
    ? compact({
        propagation: str(v.bind.propagation),
        create_host_path: bool(v.bind.create_host_path, at('bind', 'create_host_path')),
        selinux: str(v.bind.selinux) as 'z' | 'Z' | undefined,
        recursive: str(v.bind.recursive) as NonNullable<ServiceVolume['bind']>['recursive'],
      })
    : undefined;
  const vol = isMapping(v.volume)
    ? compact({
        nocopy: bool(v.volume.nocopy, at('volume', 'nocopy')),
        subpath: str(v.volume.subpath),
        labels: stringMapping(v.volume.labels, at('volume', 'labels')),
      })
    : undefined;
  const tmpfs = isMapping(v.tmpfs)
    ? compact({ size: bytes(v.tmpfs.size, at('tmpfs', 'size')), mode: fileMode(v.tmpfs.mode, at('tmpfs', 'mode')) })
    : undefined;
  const image = isMapping(v.image) ? compact({ subpath: str(v.image.subpath) }) : undefined;
  const nonEmpty = <T extends object>(o: T | undefined) => (o && Object.keys(o).length > 0 ? o : undefined);
  return compact({
    type: (str(v.type) ?? 'volume') as ServiceVolume['type'],
    source: str(v.source) || undefined,
    target: goString(v.target ?? ''),
    read_only: bool(v.read_only, at('read_only')) || undefined,
    consistency: str(v.consistency),
    bind: nonEmpty(bind),
    volume: nonEmpty(vol),
    tmpfs: nonEmpty(tmpfs),
    image: nonEmpty(image),
    extensions: extensionsOf(v),
  });
}

function networks(n: Mapping, path: Path): Record<string, ServiceNetworkAttachment | null> {
  const out: Record<string, ServiceNetworkAttachment | null> = {};
  for (const [key, value] of Object.entries(n)) {
    if (!isMapping(value)) {
      out[key] = null;
      continue;
    }
    const at = (k: string): Path => [...path, key, k];
    out[key] = compact({
      aliases: stringList(value.aliases),
      ipv4_address: str(value.ipv4_address),
      ipv6_address: str(value.ipv6_address),
      link_local_ips: stringList(value.link_local_ips),
      mac_address: str(value.mac_address),
      driver_opts: stringMapping(value.driver_opts, at('driver_opts')),
      priority: int(value.priority, at('priority')),
      gw_priority: int(value.gw_priority, at('gw_priority')),
      interface_name: str(value.interface_name),
    });
  }
  return out;
}

/** `host=address` entries, one per address, sorted: the form `config` prints. */
export function extraHosts(value: unknown, path: Path): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const entries: string[] = [];
  const add = (host: string, addresses: string) => {
    for (const address of addresses.split(',')) entries.push(`${host}=${address}`);
  };
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = goString(item);
      const sep = text.includes('=') ? '=' : ':';
      const at = text.indexOf(sep);
      if (at < 0) fail(path, `invalid additional host, missing IP address: "${text}"`);
      add(text.slice(0, at), text.slice(at + 1));
    }
  } else if (isMapping(value)) {
    for (const [host, addresses] of Object.entries(value)) {
      if (Array.isArray(addresses)) for (const a of addresses) add(host, goString(a));
      else add(host, goString(addresses));
    }
  } else fail(path, 'must be a mapping or a list');
  return entries.sort();
}

function dependsOn(d: Mapping, path: Path): Record<string, ServiceDependency> {
  const out: Record<string, ServiceDependency> = {};
  for (const [name, value] of Object.entries(d)) {
    const m = mappingOrEmpty(value);
    out[name] = {
      condition: (str(m.condition) ?? 'service_started') as ServiceDependency['condition'],
      restart: bool(m.restart, [...path, name, 'restart']) ?? false,
      required: bool(m.required, [...path, name, 'required']) ?? true,
    };
  }
  return out;
}

function healthcheck(h: Mapping, path: Path): Healthcheck {
  const at = (k: string): Path => [...path, k];
  let test: string[] | undefined;
  if (typeof h.test === 'string') test = ['CMD-SHELL', h.test];
  else if (Array.isArray(h.test)) test = h.test.map((t) => goString(t));
  return compact({
    test,
    interval: duration(h.interval, at('interval')),
    timeout: duration(h.timeout, at('timeout')),
    retries: int(h.retries, at('retries')),
    start_period: duration(h.start_period, at('start_period')),
    start_interval: duration(h.start_interval, at('start_interval')),
    disable: bool(h.disable, at('disable')),
  });
}

function fileRefs(value: unknown, path: Path): ServiceSecretRef[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((entry, i) => {
    const m = typeof entry === 'string' ? { source: entry } : mappingOrEmpty(entry);
    return compact({
      source: goString(m.source),
      target: str(m.target),
      uid: str(m.uid),
      gid: str(m.gid),
      mode: fileMode(m.mode, [...path, i, 'mode']),
    });
  });
}

function logging(l: Mapping, path: Path): Logging {
  return compact({ driver: str(l.driver), options: stringMapping(l.options, [...path, 'options']) });
}

export function ulimits(u: Mapping, path: Path): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  for (const [name, value] of Object.entries(u)) {
    if (isMapping(value)) {
      out[name] = {
        soft: int(value.soft, [...path, name, 'soft']) ?? 0,
        hard: int(value.hard, [...path, name, 'hard']) ?? 0,
      };
    } else {
      const n = int(value, [...path, name]) ?? 0;
      out[name] = { soft: n, hard: n };
    }
  }
  return out;
}

function hook(h: Mapping, path: Path): ServiceHook {
  return compact({
    command: command(h.command, [...path, 'command']) ?? undefined,
    user: str(h.user),
    privileged: bool(h.privileged, [...path, 'privileged']),
    working_dir: str(h.working_dir),
    environment: envMapping(h.environment, [...path, 'environment']),
    image: str(h.image),
    per_replica: bool(h.per_replica, [...path, 'per_replica']),
  }) as ServiceHook;
}

function provider(p: Mapping): Record<string, unknown> {
  const out: Record<string, unknown> = { ...p };
  if (isMapping(p.options)) {
    const options: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(p.options)) options[key] = stringList(value) ?? [];
    out.options = options;
  }
  return out;
}

function blkio(b: Mapping, path: Path): Record<string, unknown> {
  const out: Record<string, unknown> = { ...b };
  if ('weight' in b) out.weight = int(b.weight, [...path, 'weight']);
  for (const key of ['device_read_bps', 'device_write_bps', 'device_read_iops', 'device_write_iops']) {
    if (!Array.isArray(b[key])) continue;
    const iops = key.endsWith('iops');
    out[key] = (b[key] as unknown[]).map((entry, i) => {
      const m = mappingOrEmpty(entry);
      const rate = iops ? int(m.rate, [...path, key, i, 'rate']) : bytes(m.rate, [...path, key, i, 'rate']);
      return compact({ path: str(m.path), rate });
    });
  }
  if (Array.isArray(b.weight_device)) {
    out.weight_device = b.weight_device.map((entry, i) => {
      const m = mappingOrEmpty(entry);
      return compact({ path: str(m.path), weight: int(m.weight, [...path, 'weight_device', i, 'weight']) });
    });
  }
  return out;
}
