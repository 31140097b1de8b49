/**
 * ContainerSpec → the body of Docker's POST /containers/create (API 1.41).
 * Docker attaches one network at create time; the others are connected afterwards (DockerEngine.createContainer
 * does that before returning, so callers always get a container that is ready to start).
 */
import type { ConnectOptions, ContainerSpec, HealthcheckSpec, MountSpec, NetworkAttachment } from '../types.js';

export interface CreatePlan {
  body: Record<string, unknown>;
  /** Networks to connect after create, in order. */
  laterNetworks: NetworkAttachment[];
}

const NS_PER_MS = 1_000_000;

/** Networks by priority, highest first; equal priorities keep the spec's order (Array.prototype.sort is stable). */
export function orderNetworks(networks: NetworkAttachment[] | undefined): NetworkAttachment[] {
  return [...(networks ?? [])].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
}

export function endpointConfig(a: NetworkAttachment | ConnectOptions): Record<string, unknown> {
  const ipam: Record<string, unknown> = {};
  if (a.ipv4Address) ipam.IPv4Address = a.ipv4Address;
  if (a.ipv6Address) ipam.IPv6Address = a.ipv6Address;
  if (a.linkLocalIps?.length) ipam.LinkLocalIPs = a.linkLocalIps;
  const config: Record<string, unknown> = {};
  if (a.aliases?.length) config.Aliases = a.aliases;
  if (Object.keys(ipam).length) config.IPAMConfig = ipam;
  if (a.links?.length) config.Links = a.links;
  if (a.driverOpts && Object.keys(a.driverOpts).length) config.DriverOpts = a.driverOpts;
  if (a.macAddress) config.MacAddress = a.macAddress;
  return config;
}

export function healthcheckBody(h: HealthcheckSpec): Record<string, unknown> {
  const body: Record<string, unknown> = { Test: h.test };
  if (h.intervalMs !== undefined) body.Interval = h.intervalMs * NS_PER_MS;
  if (h.timeoutMs !== undefined) body.Timeout = h.timeoutMs * NS_PER_MS;
  if (h.retries !== undefined) body.Retries = h.retries;
  if (h.startPeriodMs !== undefined) body.StartPeriod = h.startPeriodMs * NS_PER_MS;
  if (h.startIntervalMs !== undefined) body.StartInterval = h.startIntervalMs * NS_PER_MS;
  return body;
}

/**
 * A bind mount whose host path may be missing goes in `Binds` (Docker creates the directory there, as compose
 * expects); API 1.41 has no way to ask that of `Mounts`. Everything else goes in `Mounts`.
 */
function bindString(m: MountSpec): string {
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.selinux) opts.push(m.selinux);
  if (m.propagation) opts.push(m.propagation);
  return `${m.source}:${m.target}${opts.length ? `:${opts.join(',')}` : ''}`;
}

function mountBody(m: MountSpec): Record<string, unknown> {
  const body: Record<string, unknown> = { Type: m.type, Target: m.target };
  if (m.type !== 'tmpfs' && m.source) body.Source = m.source;
  if (m.readOnly) body.ReadOnly = true;
  if (m.type === 'bind' && m.propagation) body.BindOptions = { Propagation: m.propagation };
  if (m.type === 'volume') {
    const volumeOptions: Record<string, unknown> = {};
    if (m.noCopy) volumeOptions.NoCopy = true;
    if (m.volumeLabels) volumeOptions.Labels = m.volumeLabels;
    if (m.subpath) volumeOptions.Subpath = m.subpath;
    if (Object.keys(volumeOptions).length) body.VolumeOptions = volumeOptions;
  }
  if (m.type === 'tmpfs') {
    const tmpfsOptions: Record<string, unknown> = {};
    if (m.tmpfsSizeBytes !== undefined) tmpfsOptions.SizeBytes = m.tmpfsSizeBytes;
    if (m.tmpfsMode !== undefined) tmpfsOptions.Mode = m.tmpfsMode;
    if (Object.keys(tmpfsOptions).length) body.TmpfsOptions = tmpfsOptions;
  }
  return body;
}

function portKey(containerPort: number, protocol: string): string {
  return `${containerPort}/${protocol}`;
}

/** Sets a key only when the value says something, so the daemon's defaults stay in force otherwise. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return;
  target[key] = value;
}

export function createBody(spec: ContainerSpec): CreatePlan {
  const networks = orderNetworks(spec.networks);
  const [first, ...later] = networks;

  const exposed: Record<string, object> = {};
  for (const p of spec.exposedPorts ?? []) exposed[p.includes('/') ? p : `${p}/tcp`] = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports ?? []) {
    const key = portKey(p.containerPort, p.protocol);
    exposed[key] = {};
    (portBindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ?? '' });
  }

  const binds: string[] = [];
  const mounts: Record<string, unknown>[] = [];
  for (const m of spec.mounts ?? []) {
    if (m.type === 'bind' && m.createHostPath && m.source) binds.push(bindString(m));
    else mounts.push(mountBody(m));
  }

  const host: Record<string, unknown> = {};
  put(host, 'Binds', binds);
  put(host, 'Mounts', mounts);
  put(host, 'PortBindings', portBindings);
  put(host, 'VolumesFrom', spec.volumesFrom);
  put(host, 'NetworkMode', spec.networkMode ?? first?.network);
  if (spec.restartPolicy) {
    host.RestartPolicy = {
      Name: spec.restartPolicy.name === 'no' ? '' : spec.restartPolicy.name,
      MaximumRetryCount: spec.restartPolicy.maximumRetryCount ?? 0,
    };
  }
  put(host, 'ExtraHosts', spec.extraHosts);
  put(host, 'Dns', spec.dns);
  put(host, 'DnsSearch', spec.dnsSearch);
  put(host, 'DnsOptions', spec.dnsOptions);
  put(host, 'GroupAdd', spec.groupAdd);
  put(host, 'Init', spec.init);
  put(host, 'Privileged', spec.privileged);
  put(host, 'ReadonlyRootfs', spec.readOnlyRootfs);
  put(host, 'CapAdd', spec.capAdd);
  put(host, 'CapDrop', spec.capDrop);
  put(host, 'SecurityOpt', spec.securityOpt);
  put(host, 'Sysctls', spec.sysctls);
  put(
    host,
    'Ulimits',
    spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  );
  put(host, 'Tmpfs', spec.tmpfs);
  put(host, 'ShmSize', spec.shmSizeBytes);
  put(host, 'Memory', spec.memoryBytes);
  put(host, 'MemoryReservation', spec.memoryReservationBytes);
  put(host, 'MemorySwap', spec.memorySwapBytes);
  put(host, 'NanoCpus', spec.nanoCpus);
  put(host, 'CpuShares', spec.cpuShares);
  put(host, 'CpuQuota', spec.cpuQuota);
  put(host, 'CpuPeriod', spec.cpuPeriod);
  put(host, 'CpusetCpus', spec.cpusetCpus);
  put(host, 'PidsLimit', spec.pidsLimit);
  put(host, 'OomKillDisable', spec.oomKillDisable);
  put(host, 'OomScoreAdj', spec.oomScoreAdj);
  put(
    host,
    'Devices',
    spec.devices?.map((d) => ({
      PathOnHost: d.pathOnHost,
      PathInContainer: d.pathInContainer,
      CgroupPermissions: d.cgroupPermissions,
    })),
  );
  put(host, 'IpcMode', spec.ipcMode);
  put(host, 'PidMode', spec.pidMode);
  put(host, 'UTSMode', spec.utsMode);
  put(host, 'CgroupParent', spec.cgroupParent);
  put(host, 'CgroupnsMode', spec.cgroupnsMode);
  put(host, 'Runtime', spec.runtime);
  put(host, 'Isolation', spec.isolation);
  if (spec.log) host.LogConfig = { Type: spec.log.driver, Config: spec.log.options ?? {} };

  const body: Record<string, unknown> = { Image: spec.image, Labels: spec.labels };
  put(body, 'Hostname', spec.hostname);
  put(body, 'Domainname', spec.domainname);
  put(body, 'User', spec.user);
  put(body, 'WorkingDir', spec.workingDir);
  put(body, 'Env', spec.env);
  // null/undefined keep the image's; an empty list is sent as is, which resets it.
  if (spec.entrypoint) body.Entrypoint = spec.entrypoint;
  if (spec.cmd) body.Cmd = spec.cmd;
  put(body, 'ExposedPorts', exposed);
  put(body, 'Tty', spec.tty);
  put(body, 'OpenStdin', spec.stdinOpen);
  put(body, 'StdinOnce', spec.stdinOnce);
  put(body, 'AttachStdin', spec.attachStdin);
  put(body, 'AttachStdout', spec.attachStdout);
  put(body, 'AttachStderr', spec.attachStderr);
  put(body, 'StopSignal', spec.stopSignal);
  put(body, 'StopTimeout', spec.stopTimeoutSec);
  put(body, 'MacAddress', spec.macAddress);
  if (spec.healthcheck) body.Healthcheck = healthcheckBody(spec.healthcheck);
  body.HostConfig = host;
  if (first && (spec.networkMode === undefined || spec.networkMode === first.network)) {
    body.NetworkingConfig = { EndpointsConfig: { [first.network]: endpointConfig(first) } };
  } else if (first) {
    // A network mode other than the first network (e.g. "bridge"): every listed network is connected later.
    later.unshift(first);
  }
  return { body, laterNetworks: later };
}
