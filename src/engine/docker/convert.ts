/**
 * Docker's JSON (API 1.41) → the engine-neutral types. Docker's shapes are described only as far as we read them.
 */
import type {
  ContainerDetails,
  ContainerState,
  ContainerSummary,
  HealthStatus,
  ImageConfig,
  ImageDetails,
  ImageSummary,
  IpamPool,
  MountInfo,
  NetworkDetails,
  NetworkSummary,
  PortBinding,
  PublishedPort,
  RestartPolicy,
  StatsSample,
  VolumeSummary,
} from '../types.js';
import { healthcheckFromConfig } from '../healthcheck-config.js';
import type { Json } from './transport.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

const STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

function state(value: unknown): ContainerState {
  return typeof value === 'string' && STATES.has(value) ? (value as ContainerState) : 'dead';
}

function protocol(value: unknown): PublishedPort['protocol'] {
  return value === 'udp' || value === 'sctp' ? value : 'tcp';
}

function isoOrEmpty(value: unknown): string {
  return typeof value === 'string' && value !== ZERO_TIME && !value.startsWith('0001-') ? value : '';
}

function splitPortKey(key: string): { containerPort: number; protocol: PublishedPort['protocol'] } {
  const [port, proto] = key.split('/');
  return { containerPort: Number(port), protocol: protocol(proto ?? 'tcp') };
}

function mounts(list: Json[] | null | undefined): MountInfo[] {
  return (list ?? []).map((m) => ({
    type: m.Type === 'volume' || m.Type === 'tmpfs' ? m.Type : 'bind',
    ...(m.Name ? { name: m.Name as string } : {}),
    source: m.Source ?? '',
    destination: m.Destination ?? '',
    readOnly: m.RW === false,
  }));
}

function networksOf(settings: Json | undefined): ContainerSummary['networks'] {
  const out: ContainerSummary['networks'] = {};
  for (const [name, n] of Object.entries((settings?.Networks ?? {}) as Record<string, Json>)) {
    out[name] = {
      networkId: n.NetworkID ?? '',
      ...(n.IPAddress ? { ipAddress: n.IPAddress as string } : {}),
      ...(n.Aliases?.length ? { aliases: n.Aliases as string[] } : {}),
    };
  }
  return out;
}

/** An item of GET /containers/json. */
export function containerSummary(c: Json): ContainerSummary {
  const ports: PublishedPort[] = [];
  for (const p of (c.Ports ?? []) as Json[]) {
    if (p.PublicPort === undefined) continue;
    ports.push({ containerPort: p.PrivatePort, protocol: protocol(p.Type), hostIp: p.IP ?? '', hostPort: p.PublicPort });
  }
  return {
    id: c.Id,
    name: ((c.Names?.[0] as string | undefined) ?? '').replace(/^\//, ''),
    image: c.Image ?? '',
    imageId: c.ImageID ?? '',
    labels: c.Labels ?? {},
    state: state(c.State),
    status: c.Status ?? '',
    created: (c.Created ?? 0) * 1000,
    ports,
    networks: networksOf(c.NetworkSettings),
    mounts: mounts(c.Mounts),
    ...(c.Command ? { command: c.Command as string } : {}),
  };
}

function restartPolicy(p: Json | undefined): RestartPolicy {
  const name = p?.Name;
  return {
    name: name === 'always' || name === 'on-failure' || name === 'unless-stopped' ? name : 'no',
    ...(p?.MaximumRetryCount ? { maximumRetryCount: p.MaximumRetryCount as number } : {}),
  };
}

/** GET /containers/{id}/json. */
export function containerDetails(c: Json): ContainerDetails {
  const config = (c.Config ?? {}) as Json;
  const stateJson = (c.State ?? {}) as Json;
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries((c.NetworkSettings?.Ports ?? {}) as Record<string, Json[] | null>)) {
    const { containerPort, protocol: proto } = splitPortKey(key);
    for (const b of bindings ?? []) {
      ports.push({ containerPort, protocol: proto, hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort) });
    }
  }
  const portBindings: PortBinding[] = [];
  for (const [key, bindings] of Object.entries((c.HostConfig?.PortBindings ?? {}) as Record<string, Json[] | null>)) {
    const { containerPort, protocol: proto } = splitPortKey(key);
    for (const b of bindings ?? []) {
      portBindings.push({
        containerPort,
        protocol: proto,
        ...(b.HostIp ? { hostIp: b.HostIp as string } : {}),
        ...(b.HostPort ? { hostPort: b.HostPort as string } : {}),
      });
    }
  }
  const health = stateJson.Health as Json | undefined;
  const healthcheck = healthcheckFromConfig(config.Healthcheck);
  const details: ContainerDetails = {
    id: c.Id,
    name: String(c.Name ?? '').replace(/^\//, ''),
    image: config.Image ?? '',
    imageId: c.Image ?? '',
    labels: config.Labels ?? {},
    state: state(stateJson.Status),
    status: stateJson.Status ?? '',
    created: Date.parse(c.Created) || 0,
    ports,
    networks: networksOf(c.NetworkSettings),
    mounts: mounts(c.Mounts),
    command: [c.Path, ...((c.Args ?? []) as string[])].filter(Boolean).join(' '),
    exitCode: stateJson.ExitCode ?? 0,
    startedAt: isoOrEmpty(stateJson.StartedAt),
    finishedAt: isoOrEmpty(stateJson.FinishedAt),
    pid: stateJson.Pid ?? 0,
    oomKilled: stateJson.OOMKilled === true,
    restartCount: c.RestartCount ?? 0,
    ...(stateJson.Error ? { error: stateJson.Error as string } : {}),
    config: {
      entrypoint: config.Entrypoint ?? null,
      cmd: config.Cmd ?? null,
      env: config.Env ?? [],
      workingDir: config.WorkingDir ?? '',
      user: config.User ?? '',
      hostname: config.Hostname ?? '',
      tty: config.Tty === true,
      openStdin: config.OpenStdin === true,
      ...(config.StopSignal ? { stopSignal: config.StopSignal as string } : {}),
      ...(config.StopTimeout !== undefined && config.StopTimeout !== null
        ? { stopTimeoutSec: config.StopTimeout as number }
        : {}),
      exposedPorts: Object.keys(config.ExposedPorts ?? {}),
      ...(healthcheck ? { healthcheck } : {}),
    },
    restartPolicy: restartPolicy(c.HostConfig?.RestartPolicy),
    portBindings,
  };
  if (health) {
    details.health = {
      status: (['starting', 'healthy', 'unhealthy'].includes(health.Status) ? health.Status : 'none') as HealthStatus,
      failingStreak: health.FailingStreak ?? 0,
      log: ((health.Log ?? []) as Json[]).map((l) => ({
        start: l.Start,
        end: l.End,
        exitCode: l.ExitCode,
        output: l.Output,
      })),
    };
  }
  return details;
}

function ipamPools(config: Json[] | null | undefined): IpamPool[] {
  return (config ?? []).map((p) => ({
    ...(p.Subnet ? { subnet: p.Subnet as string } : {}),
    ...(p.IPRange ? { ipRange: p.IPRange as string } : {}),
    ...(p.Gateway ? { gateway: p.Gateway as string } : {}),
    ...(p.AuxiliaryAddresses ? { auxAddresses: p.AuxiliaryAddresses as Record<string, string> } : {}),
  }));
}

export function networkSummary(n: Json): NetworkSummary {
  return {
    id: n.Id,
    name: n.Name,
    driver: n.Driver ?? '',
    scope: n.Scope ?? 'local',
    internal: n.Internal === true,
    labels: n.Labels ?? {},
    created: Date.parse(n.Created) || 0,
  };
}

export function networkDetails(n: Json): NetworkDetails {
  const containers: NetworkDetails['containers'] = {};
  for (const [id, e] of Object.entries((n.Containers ?? {}) as Record<string, Json>)) {
    containers[id] = {
      name: e.Name ?? '',
      ...(e.IPv4Address ? { ipv4Address: e.IPv4Address as string } : {}),
      ...(e.MacAddress ? { macAddress: e.MacAddress as string } : {}),
    };
  }
  return {
    ...networkSummary(n),
    driverOpts: n.Options ?? {},
    enableIpv6: n.EnableIPv6 === true,
    attachable: n.Attachable === true,
    ipam: {
      driver: n.IPAM?.Driver ?? 'default',
      config: ipamPools(n.IPAM?.Config),
      options: n.IPAM?.Options ?? {},
    },
    containers,
  };
}

export function volumeSummary(v: Json): VolumeSummary {
  return {
    name: v.Name,
    driver: v.Driver ?? 'local',
    mountpoint: v.Mountpoint ?? '',
    labels: v.Labels ?? {},
    options: v.Options ?? {},
    scope: v.Scope ?? 'local',
    ...(v.CreatedAt ? { created: Date.parse(v.CreatedAt) || undefined } : {}),
  };
}

export function imageSummary(i: Json): ImageSummary {
  return {
    id: i.Id,
    repoTags: (i.RepoTags ?? []).filter((t: string) => t !== '<none>:<none>'),
    repoDigests: (i.RepoDigests ?? []).filter((t: string) => t !== '<none>@<none>'),
    labels: i.Labels ?? i.Config?.Labels ?? {},
    size: i.Size ?? 0,
    created: typeof i.Created === 'number' ? i.Created * 1000 : Date.parse(i.Created) || 0,
  };
}

function imageConfig(c: Json | null | undefined): ImageConfig {
  const config = c ?? {};
  const healthcheck = healthcheckFromConfig(config.Healthcheck);
  return {
    entrypoint: config.Entrypoint ?? null,
    cmd: config.Cmd ?? null,
    env: config.Env ?? [],
    workingDir: config.WorkingDir ?? '',
    user: config.User ?? '',
    exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    volumes: Object.keys(config.Volumes ?? {}),
    labels: config.Labels ?? {},
    ...(healthcheck ? { healthcheck } : {}),
    ...(config.StopSignal ? { stopSignal: config.StopSignal as string } : {}),
  };
}

/** GET /images/{name}/json. */
export function imageDetails(i: Json): ImageDetails {
  return {
    ...imageSummary(i),
    labels: i.Config?.Labels ?? {},
    config: imageConfig(i.Config),
    os: i.Os ?? '',
    architecture: i.Architecture ?? '',
  };
}

/** One sample of GET /containers/{id}/stats?stream=false, computed as `docker stats` does. */
export function statsSample(s: Json): StatsSample {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;

  const mem = s.memory_stats ?? {};
  // Page cache is not the container's own memory: cgroup v1 reports it as "cache", v2 as "inactive_file".
  const cache = mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? mem.stats?.cache ?? 0;
  const memoryBytes = Math.max(0, (mem.usage ?? 0) - cache);

  let netRxBytes = 0;
  let netTxBytes = 0;
  for (const n of Object.values((s.networks ?? {}) as Record<string, Json>)) {
    netRxBytes += n.rx_bytes ?? 0;
    netTxBytes += n.tx_bytes ?? 0;
  }
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  for (const entry of (s.blkio_stats?.io_service_bytes_recursive ?? []) as Json[]) {
    const op = String(entry.op).toLowerCase();
    if (op === 'read') blockReadBytes += entry.value ?? 0;
    if (op === 'write') blockWriteBytes += entry.value ?? 0;
  }
  return {
    cpuPercent,
    memoryBytes,
    memoryLimitBytes: mem.limit ?? 0,
    netRxBytes,
    netTxBytes,
    blockReadBytes,
    blockWriteBytes,
    pids: s.pids_stats?.current ?? 0,
  };
}
