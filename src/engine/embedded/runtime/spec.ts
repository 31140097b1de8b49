/**
 * The OCI runtime config (config.json) of a container, from its spec and the image config, with Docker's
 * defaults: its capability set, masked and read-only /proc and /sys paths, a 64 MiB /dev/shm, the
 * ping_group_range sysctl, and the usual device allow-list. Docker's seccomp profile is not applied.
 *
 * Networking: a container joins the namespace it is given (a named one the engine plumbed onto its bridges, or
 * another container's); without one, runc makes a fresh namespace with loopback only, unless hostNetwork.
 */
import { readFileSync } from 'node:fs';
import { InvalidRequestError } from '../../errors.js';
import type { ContainerSpec } from '../../types.js';
import { capabilitySet } from './capabilities.js';
import type { ResolvedUser } from './user.js';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

export interface OciConfig {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: Record<string, unknown>;
}

export interface SpecInput {
  spec: ContainerSpec;
  args: string[];
  env: string[];
  cwd: string;
  hostname: string;
  user: ResolvedUser;
  /** Mounts beyond the standard ones: volumes, binds, tmpfs, /etc files. */
  mounts: OciMount[];
  hostNetwork: boolean;
  /** The network namespace to join; absent (and not hostNetwork): a new one with loopback only. */
  netnsPath?: string;
  cgroupsPath: string;
  /** Host path of a static init binary to run as PID 1 (compose `init: true`). */
  initPath?: string;
}

const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Devices a container may use (cgroup device rules): the standard ones, like Docker. */
const DEFAULT_DEVICE_RULES = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // net/tun
];

const RLIMITS: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

export const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/**
 * The engine's own hard limit on open files: raising it needs CAP_SYS_RESOURCE in the initial namespace, which
 * the container init does not have once it set its capabilities, so containers get this as their default.
 */
function hostNofileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const hard = Number(line?.trim().split(/\s+/)[4]);
    return Number.isFinite(hard) && hard > 0 ? Math.min(hard, 1048576) : 1024;
  } catch {
    return 1024;
  }
}

function rlimits(spec: ContainerSpec): OciProcess['rlimits'] {
  const limits = new Map<string, { type: string; hard: number; soft: number }>();
  const nofile = hostNofileLimit();
  limits.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile });
  for (const u of spec.ulimits ?? []) {
    const type = RLIMITS[u.name.toLowerCase()];
    if (!type) throw new InvalidRequestError(`unknown ulimit "${u.name}"`);
    limits.set(type, { type, hard: u.hard, soft: u.soft });
  }
  return [...limits.values()];
}

function resources(spec: ContainerSpec): Record<string, unknown> {
  const memory: Record<string, unknown> = {};
  if (spec.memoryBytes) memory.limit = spec.memoryBytes;
  if (spec.memoryReservationBytes) memory.reservation = spec.memoryReservationBytes;
  if (spec.memorySwapBytes) memory.swap = spec.memorySwapBytes;
  if (spec.oomKillDisable) memory.disableOOMKiller = true;
  const cpu: Record<string, unknown> = {};
  if (spec.nanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((spec.nanoCpus / 1e9) * 100_000);
  }
  if (spec.cpuQuota) cpu.quota = spec.cpuQuota;
  if (spec.cpuPeriod) cpu.period = spec.cpuPeriod;
  if (spec.cpuShares) cpu.shares = spec.cpuShares;
  if (spec.cpusetCpus) cpu.cpus = spec.cpusetCpus;
  const out: Record<string, unknown> = {
    devices: spec.privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES,
  };
  if (Object.keys(memory).length) out.memory = memory;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (spec.pidsLimit && spec.pidsLimit > 0) out.pids = { limit: spec.pidsLimit };
  return out;
}

function namespaces(spec: ContainerSpec, hostNetwork: boolean, netnsPath?: string): { type: string; path?: string }[] {
  const list: { type: string; path?: string }[] = [{ type: 'mount' }];
  if (spec.pidMode !== 'host') list.push({ type: 'pid' });
  if (spec.ipcMode !== 'host') list.push({ type: 'ipc' });
  if (spec.utsMode !== 'host') list.push({ type: 'uts' });
  if (!hostNetwork) list.push(netnsPath ? { type: 'network', path: netnsPath } : { type: 'network' });
  return list;
}

function standardMounts(spec: ContainerSpec): OciMount[] {
  const shm = spec.shmSizeBytes ?? DEFAULT_SHM_BYTES;
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', spec.privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', spec.privileged ? 'rw' : 'ro'] },
  ];
}

export function buildOciConfig(input: SpecInput): OciConfig {
  const { spec } = input;
  const caps = capabilitySet(spec);
  const sysctls: Record<string, string> = {};
  if (!input.hostNetwork) sysctls['net.ipv4.ping_group_range'] = '0 2147483647';
  for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
    if (input.hostNetwork && key.startsWith('net.')) {
      throw new InvalidRequestError(`sysctl ${key} is not allowed with the host network namespace`);
    }
    sysctls[key] = value;
  }
  const args = input.initPath ? ['/sbin/docker-init', '--', ...input.args] : input.args;
  const mounts = [...standardMounts(spec), ...input.mounts];
  if (input.initPath) {
    mounts.push({ destination: '/sbin/docker-init', type: 'bind', source: input.initPath, options: ['rbind', 'ro', 'rprivate'] });
  }
  const linux: Record<string, unknown> = {
    namespaces: namespaces(spec, input.hostNetwork, input.netnsPath),
    cgroupsPath: input.cgroupsPath,
    resources: resources(spec),
    sysctl: sysctls,
    rootfsPropagation: 'rprivate',
  };
  if (!spec.privileged) {
    linux.maskedPaths = MASKED_PATHS;
    linux.readonlyPaths = READONLY_PATHS;
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.tty ?? false,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args,
      env: input.env,
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: rlimits(spec),
      noNewPrivileges: (spec.securityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
      ...(spec.oomScoreAdj !== undefined ? { oomScoreAdj: spec.oomScoreAdj } : {}),
    },
    root: { path: 'rootfs', readonly: spec.readOnlyRootfs ?? false },
    hostname: input.hostname,
    mounts,
    linux,
  };
}

/** Image env overlaid with the spec's ("KEY=VALUE" replaces, bare "KEY" removes), plus PATH/HOSTNAME/HOME. */
export function mergeEnv(imageEnv: string[], specEnv: string[], extra: { hostname: string; home: string }): string[] {
  const env = new Map<string, string>();
  for (const item of imageEnv) {
    const eq = item.indexOf('=');
    if (eq > 0) env.set(item.slice(0, eq), item.slice(eq + 1));
  }
  for (const item of specEnv) {
    const eq = item.indexOf('=');
    if (eq < 0) env.delete(item);
    else env.set(item.slice(0, eq), item.slice(eq + 1));
  }
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  if (!env.has('HOSTNAME')) env.set('HOSTNAME', extra.hostname);
  if (!env.has('HOME')) env.set('HOME', extra.home);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** Entrypoint + cmd as Docker combines them: a spec entrypoint drops the image's cmd. */
export function effectiveCommand(
  spec: ContainerSpec,
  image: { entrypoint: string[] | null; cmd: string[] | null },
): { entrypoint: string[] | null; cmd: string[] | null } {
  const entrypoint = spec.entrypoint !== undefined ? spec.entrypoint : image.entrypoint;
  let cmd: string[] | null;
  if (spec.cmd !== undefined) cmd = spec.cmd;
  else if (spec.entrypoint !== undefined && spec.entrypoint !== null) cmd = null;
  else cmd = image.cmd;
  return {
    entrypoint: entrypoint && entrypoint.length > 0 ? entrypoint : null,
    cmd: cmd && cmd.length > 0 ? cmd : null,
  };
}
