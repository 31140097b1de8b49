/**
 * Service + replica number → the engine-level ContainerSpec. Pure: everything it needs from the engine (image id,
 * the containers that `service:x` references point to, the anonymous volumes of a replaced container) comes in
 * the context.
 */
import type {
  ContainerSpec, HealthcheckSpec, MountSpec, NetworkAttachment, PortBinding, RestartPolicy,
} from '../engine/types.js';
import type { Deploy, Healthcheck, Project, Service, ServiceSecretRef, ServiceVolume } from '../model/types.js';
import { containerLabels, type LabelContext } from './labels.js';
import { containerName, networkName, serviceImageName, volumeName, type NamingOptions } from './names.js';

export interface ContainerSpecContext {
  /** Name to create the container under (a temporary one while it replaces another); default: the final name. */
  tmpName?: string;
  /** Id of the image the container is created from (the `com.docker.compose.image` label). */
  imageId?: string;
  /** Anonymous volumes of the replaced container to mount again, by target path (volume names). */
  inheritedMounts?: Record<string, string>;
  /**
   * Container (id, or name when it is created in the same plan) that `service:x` references resolve to, by
   * service. Without an entry, the name of the service's first replica is used.
   */
  serviceContainers?: Record<string, string>;
  /** Name of the container this one replaces (the `com.docker.compose.replace` label). */
  replaces?: string;
  naming?: NamingOptions;
  labels?: LabelContext;
}

const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

export function toContainerSpec(
  project: Project,
  service: Service,
  replicaNumber: number,
  context: ContainerSpecContext = {},
): ContainerSpec {
  const finalName = containerName(project, service, replicaNumber, context.naming);
  const ref = (target: string): string => resolveServiceRef(project, target, context);
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const cpus = service.cpus ?? limits?.cpus;

  const spec: ContainerSpec = {
    name: context.tmpName ?? finalName,
    image: serviceImageName(project, service),
    labels: containerLabels({
      project, service, number: replicaNumber, imageId: context.imageId, replaces: context.replaces,
      context: context.labels,
    }),
  };
  const set = <K extends keyof ContainerSpec>(key: K, value: ContainerSpec[K] | undefined): void => {
    if (value !== undefined) spec[key] = value;
  };

  set('entrypoint', service.entrypoint);
  set('cmd', service.command);
  const env = Object.keys(service.environment).sort().map((key) => {
    const value = service.environment[key];
    return value === null || value === undefined ? key : `${key}=${value}`;
  });
  if (env.length > 0) spec.env = env;
  set('workingDir', service.working_dir);
  set('user', service.user);
  set('groupAdd', service.group_add);
  set('hostname', service.hostname);
  set('domainname', service.domainname);
  set('tty', service.tty);
  set('stdinOpen', service.stdin_open);
  const exposed = exposedPorts(service);
  if (exposed.length > 0) spec.exposedPorts = exposed;
  if (service.ports && service.ports.length > 0) spec.ports = service.ports.map(portBinding);

  const inherited = context.inheritedMounts ?? {};
  const mounts = [
    ...(service.volumes ?? []).flatMap((v) => mountSpec(project, v, inherited)),
    ...secretMounts(project, service),
  ];
  // Volumes the image declares (VOLUME) that the file does not mount: carried over too.
  for (const target of Object.keys(inherited).sort()) {
    if (!mounts.some((m) => m.target === target)) mounts.push({ type: 'volume', source: inherited[target]!, target });
  }
  if (mounts.length > 0) spec.mounts = mounts;
  if (service.volumes_from && service.volumes_from.length > 0) {
    spec.volumesFrom = service.volumes_from.map((entry) => volumesFromEntry(entry, ref));
  }
  if (service.tmpfs && service.tmpfs.length > 0) spec.tmpfs = tmpfsMap(service.tmpfs);

  if (service.network_mode !== undefined) spec.networkMode = namespaceMode(service.network_mode, ref);
  const attachments = networkAttachments(project, service, finalName, context);
  if (attachments.length > 0) {
    spec.networks = attachments;
    spec.networkMode ??= attachments[0]!.network;
  } else {
    set('macAddress', service.mac_address);
  }
  set('extraHosts', service.extra_hosts?.map(extraHost));
  set('dns', service.dns);
  set('dnsSearch', service.dns_search);
  set('dnsOptions', service.dns_opt);

  set('healthcheck', service.healthcheck ? healthcheckSpec(service.healthcheck) : undefined);
  set('restartPolicy', restartPolicy(service.restart, service.deploy));
  set('stopSignal', service.stop_signal);
  if (service.stop_grace_period !== undefined) spec.stopTimeoutSec = Math.floor(service.stop_grace_period / NS_PER_S);
  set('init', service.init);
  set('privileged', service.privileged);
  set('readOnlyRootfs', service.read_only);
  set('capAdd', service.cap_add);
  set('capDrop', service.cap_drop);
  set('securityOpt', service.security_opt);
  set('sysctls', service.sysctls);
  if (service.ulimits) {
    spec.ulimits = Object.keys(service.ulimits).sort().map((name) => ({ name, ...service.ulimits![name]! }));
  }
  set('shmSizeBytes', service.shm_size);
  set('memoryBytes', service.mem_limit ?? limits?.memory);
  set('memoryReservationBytes', service.mem_reservation ?? reservations?.memory);
  set('memorySwapBytes', service.memswap_limit);
  if (cpus !== undefined) spec.nanoCpus = Math.round(cpus * NS_PER_S);
  set('cpuShares', service.cpu_shares);
  set('cpuQuota', service.cpu_quota);
  set('cpuPeriod', service.cpu_period);
  set('cpusetCpus', service.cpuset);
  set('pidsLimit', service.pids_limit ?? limits?.pids);
  set('oomKillDisable', service.oom_kill_disable);
  set('oomScoreAdj', service.oom_score_adj);
  if (service.devices && service.devices.length > 0) {
    spec.devices = service.devices.map((d) => ({
      pathOnHost: d.source, pathInContainer: d.target, cgroupPermissions: d.permissions ?? 'rwm',
    }));
  }
  set('ipcMode', service.ipc !== undefined ? namespaceMode(service.ipc, ref) : undefined);
  set('pidMode', service.pid !== undefined ? namespaceMode(service.pid, ref) : undefined);
  set('utsMode', service.uts);
  set('cgroupParent', service.cgroup_parent);
  set('cgroupnsMode', service.cgroup);
  set('runtime', service.runtime);
  set('isolation', service.isolation);
  set('platform', service.platform);
  if (service.logging) {
    spec.log = { driver: service.logging.driver ?? '' };
    if (service.logging.options) spec.log.options = service.logging.options;
  }
  return spec;
}

/** `service:x` → `container:<id or name>`; anything else as written. */
function namespaceMode(mode: string, ref: (service: string) => string): string {
  return mode.startsWith('service:') ? `container:${ref(mode.slice('service:'.length))}` : mode;
}

function resolveServiceRef(project: Project, service: string, context: ContainerSpecContext): string {
  const known = context.serviceContainers?.[service];
  if (known) return known;
  const target = project.services[service] ?? project.disabled_services[service];
  return target ? containerName(project, target, 1, context.naming) : service;
}

/** `x`, `x:ro`, `service:x:rw`, `container:name:ro` → `<container>[:mode]`. */
function volumesFromEntry(entry: string, ref: (service: string) => string): string {
  const parts = entry.split(':');
  if (parts[0] === 'container') return parts.slice(1).join(':');
  if (parts[0] === 'service') parts.shift();
  const [service, mode] = parts;
  return mode ? `${ref(service!)}:${mode}` : ref(service!);
}

function exposedPorts(service: Service): string[] {
  const out = new Set<string>();
  for (const entry of service.expose ?? []) {
    const [range, protocol = 'tcp'] = entry.split('/');
    const [start, end = start] = range!.split('-').map(Number);
    for (let port = start!; port <= end!; port++) out.add(`${port}/${protocol}`);
  }
  for (const port of service.ports ?? []) out.add(`${port.target}/${port.protocol}`);
  return [...out];
}

function portBinding(port: NonNullable<Service['ports']>[number]): PortBinding {
  const binding: PortBinding = { containerPort: port.target, protocol: port.protocol };
  if (port.host_ip !== undefined) binding.hostIp = port.host_ip;
  if (port.published !== undefined) binding.hostPort = port.published;
  return binding;
}

function mountSpec(project: Project, volume: ServiceVolume, inherited: Record<string, string>): MountSpec[] {
  const base = { target: volume.target, ...(volume.read_only ? { readOnly: true } : {}) };
  switch (volume.type) {
    case 'bind': {
      const mount: MountSpec = { type: 'bind', source: volume.source, ...base };
      if (volume.bind?.propagation) mount.propagation = volume.bind.propagation;
      // Compose creates a missing host path unless the long syntax says otherwise.
      mount.createHostPath = volume.bind?.create_host_path ?? true;
      if (volume.bind?.selinux) mount.selinux = volume.bind.selinux;
      return [mount];
    }
    case 'volume': {
      const source = volume.source !== undefined ? volumeName(project, volume.source) : inherited[volume.target];
      const mount: MountSpec = { type: 'volume', ...(source !== undefined ? { source } : {}), ...base };
      if (volume.volume?.nocopy) mount.noCopy = true;
      if (volume.volume?.subpath) mount.subpath = volume.volume.subpath;
      if (volume.volume?.labels) mount.volumeLabels = volume.volume.labels;
      return [mount];
    }
    case 'tmpfs': {
      const mount: MountSpec = { type: 'tmpfs', ...base };
      if (volume.tmpfs?.size !== undefined) mount.tmpfsSizeBytes = volume.tmpfs.size;
      if (volume.tmpfs?.mode !== undefined) mount.tmpfsMode = volume.tmpfs.mode;
      return [mount];
    }
    default:
      // npipe, cluster and image mounts have no engine-neutral form yet.
      return [];
  }
}

/** File-based secrets and configs are bind-mounted read-only, as Docker Compose does. */
function secretMounts(project: Project, service: Service): MountSpec[] {
  const mounts: MountSpec[] = [];
  const add = (refs: ServiceSecretRef[] | undefined, defs: Project['secrets'], dir: string): void => {
    for (const ref of refs ?? []) {
      const file = defs[ref.source]?.file;
      if (!file) continue;
      const target = ref.target ?? ref.source;
      mounts.push({ type: 'bind', source: file, target: target.startsWith('/') ? target : `${dir}${target}`, readOnly: true });
    }
  };
  add(service.secrets, project.secrets, '/run/secrets/');
  add(service.configs, project.configs, '/');
  return mounts;
}

function tmpfsMap(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon < 0) out[entry] = '';
    else out[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  return out;
}

/** Priority first (higher first), then key: the first attachment is the one the container is created on. */
function networkAttachments(
  project: Project, service: Service, finalName: string, context: ContainerSpecContext,
): NetworkAttachment[] {
  if (service.network_mode !== undefined || !service.networks) return [];
  const keys = Object.keys(service.networks).sort((a, b) => {
    const pa = service.networks![a]?.priority ?? 0;
    const pb = service.networks![b]?.priority ?? 0;
    return pb - pa || (a < b ? -1 : a > b ? 1 : 0);
  });
  return keys.map((key, index) => {
    const options = service.networks![key] ?? {};
    const attachment: NetworkAttachment = {
      network: networkName(project, key),
      aliases: unique([service.name, ...(options.aliases ?? []), finalName]),
    };
    if (options.ipv4_address) attachment.ipv4Address = options.ipv4_address;
    if (options.ipv6_address) attachment.ipv6Address = options.ipv6_address;
    if (options.link_local_ips) attachment.linkLocalIps = options.link_local_ips;
    const mac = options.mac_address ?? (index === 0 ? service.mac_address : undefined);
    if (mac) attachment.macAddress = mac;
    if (options.priority !== undefined) attachment.priority = options.priority;
    if (options.interface_name) attachment.interfaceName = options.interface_name;
    if (options.driver_opts) attachment.driverOpts = options.driver_opts;
    if (index === 0) {
      const links = legacyLinks(project, service, context);
      if (links.length > 0) attachment.links = links;
    }
    return attachment;
  });
}

/** `links: [db:database]` → `<db container>:database`; external_links as written. */
function legacyLinks(project: Project, service: Service, context: ContainerSpecContext): string[] {
  const links = (service.links ?? []).map((link) => {
    const [target, alias = target] = link.split(':');
    return `${resolveServiceRef(project, target!, context)}:${alias}`;
  });
  return [...links, ...(service.external_links ?? [])];
}

function extraHost(entry: string): string {
  // The loader may keep `host=ip`; the engine wants `host:ip`.
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : `${entry.slice(0, eq)}:${entry.slice(eq + 1)}`;
}

function healthcheckSpec(check: Healthcheck): HealthcheckSpec {
  if (check.disable) return { test: ['NONE'] };
  const spec: HealthcheckSpec = { test: check.test ?? [] };
  if (check.interval !== undefined) spec.intervalMs = check.interval / NS_PER_MS;
  if (check.timeout !== undefined) spec.timeoutMs = check.timeout / NS_PER_MS;
  if (check.retries !== undefined) spec.retries = check.retries;
  if (check.start_period !== undefined) spec.startPeriodMs = check.start_period / NS_PER_MS;
  if (check.start_interval !== undefined) spec.startIntervalMs = check.start_interval / NS_PER_MS;
  return spec;
}

/** `restart:` wins; else deploy.restart_policy (none → no, any → always). */
function restartPolicy(restart: string | undefined, deploy: Deploy | undefined): RestartPolicy | undefined {
  if (restart !== undefined) {
    const [name, count] = restart.split(':');
    if (name === 'on-failure') return count ? { name, maximumRetryCount: Number(count) } : { name };
    if (name === 'always' || name === 'unless-stopped' || name === 'no') return { name };
    return { name: 'no' };
  }
  const policy = deploy?.restart_policy;
  if (!policy) return undefined;
  const name = policy.condition === 'on-failure' ? 'on-failure' : policy.condition === 'none' ? 'no' : 'always';
  return policy.max_attempts !== undefined ? { name, maximumRetryCount: policy.max_attempts } : { name };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
