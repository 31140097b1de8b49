/**
 * Containers as the Engine interface sees them: what to create, what is listed and inspected, and the
 * options and streams of logs, attach and exec.
 */
import type { Readable, Writable } from 'node:stream';
import type { LabelFilter } from './common.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy' | 'none';

export interface PortBinding {
  /** Port inside the container. */
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Host address to bind; empty means all addresses. */
  hostIp?: string;
  /** Host port or range ("8080", "8000-8010"); empty means an ephemeral port chosen by the engine. */
  hostPort?: string;
}

/** A published port as the engine really bound it. */
export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIp: string;
  hostPort: number;
}

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name (volume; empty for an anonymous volume), unused for tmpfs. */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** bind: rprivate, rshared, ... */
  propagation?: string;
  /** bind: create the host path when missing (compose's default) instead of failing. */
  createHostPath?: boolean;
  /** bind: SELinux relabel "z" or "Z". */
  selinux?: 'z' | 'Z';
  /** volume: do not copy the image's content into an empty volume. */
  noCopy?: boolean;
  /** volume: mount only this sub-path of the volume. */
  subpath?: string;
  /** volume: labels for an anonymous volume the engine creates. */
  volumeLabels?: Record<string, string>;
  /** tmpfs: size in bytes and mode. */
  tmpfsSizeBytes?: number;
  tmpfsMode?: number;
}

export interface MountInfo {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Volume name for volumes (anonymous ones have a generated name). */
  name?: string;
  /** Host path the mount comes from. */
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface NetworkAttachment {
  /** Network name (or id). */
  network: string;
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  linkLocalIps?: string[];
  macAddress?: string;
  /** Order in which the engine connects networks; higher first. */
  priority?: number;
  /** Interface name inside the container, where supported. */
  interfaceName?: string;
  driverOpts?: Record<string, string>;
  /** `links` entries "service:alias" resolved to container names, for legacy links on this network. */
  links?: string[];
}

export interface HealthcheckSpec {
  /** ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"] to disable the image's healthcheck. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount?: number;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

export interface LogConfig {
  driver: string;
  options?: Record<string, string>;
}

/** Everything needed to create one container. Compose concepts (services, replicas) are resolved before this. */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** null: the image's; []: reset to none. */
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  /** "KEY=VALUE", or a bare "KEY" to unset what the image sets. */
  env?: string[];
  workingDir?: string;
  user?: string;
  groupAdd?: string[];
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  stdinOpen?: boolean;
  /** Close the container's stdin when the first attached client closes its stdin (`run -i`). */
  stdinOnce?: boolean;
  /** "80/tcp" style; published ports are exposed implicitly. */
  exposedPorts?: string[];
  ports?: PortBinding[];
  mounts?: MountSpec[];
  /** Containers whose volumes this one mounts too ("name[:ro]"). */
  volumesFrom?: string[];
  /**
   * "bridge" | "host" | "none" | "container:<id>" or a network name. When networks are given, the first one (by
   * priority) is attached at create time and the others are connected before start.
   */
  networkMode?: string;
  networks?: NetworkAttachment[];
  macAddress?: string;
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  healthcheck?: HealthcheckSpec;
  restartPolicy?: RestartPolicy;
  stopSignal?: string;
  stopTimeoutSec?: number;
  init?: boolean;
  privileged?: boolean;
  readOnlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Ulimit[];
  /** path → options ("size=64m,mode=1777"). */
  tmpfs?: Record<string, string>;
  shmSizeBytes?: number;
  memoryBytes?: number;
  memoryReservationBytes?: number;
  memorySwapBytes?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  devices?: DeviceMapping[];
  ipcMode?: string;
  pidMode?: string;
  utsMode?: string;
  cgroupParent?: string;
  cgroupnsMode?: string;
  runtime?: string;
  isolation?: string;
  platform?: string;
  log?: LogConfig;
  attachStdin?: boolean;
  attachStdout?: boolean;
  attachStderr?: boolean;
}

export interface ContainerSummary {
  id: string;
  /** Without the leading slash Docker adds. */
  name: string;
  /** The image reference the container was created from. */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Human status, e.g. "Up 3 minutes (healthy)". */
  status: string;
  /** Creation time, ms since the epoch. */
  created: number;
  ports: PublishedPort[];
  /** Network name → attachment as seen by the engine. */
  networks: Record<string, { networkId: string; ipAddress?: string; aliases?: string[] }>;
  mounts: MountInfo[];
  command?: string;
}

export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface ContainerDetails extends ContainerSummary {
  exitCode: number;
  /** ISO times; empty when never started/finished. */
  startedAt: string;
  finishedAt: string;
  pid: number;
  oomKilled: boolean;
  restartCount: number;
  error?: string;
  health?: { status: HealthStatus; failingStreak: number; log: HealthLogEntry[] };
  /** The effective configuration: the spec merged with the image's defaults. */
  config: {
    entrypoint: string[] | null;
    cmd: string[] | null;
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    tty: boolean;
    openStdin: boolean;
    stopSignal?: string;
    stopTimeoutSec?: number;
    exposedPorts: string[];
    healthcheck?: HealthcheckSpec;
  };
  restartPolicy: RestartPolicy;
  /** Bindings as requested (ports stays what was really bound). */
  portBindings: PortBinding[];
}

export interface ContainerListOptions {
  /** Include stopped containers. Default true: compose always looks at every container of a project. */
  all?: boolean;
  labels?: LabelFilter;
  /** Exact names. */
  names?: string[];
  ids?: string[];
}

export interface StopOptions {
  /** Seconds before SIGKILL; undefined uses the container's own stop timeout. */
  timeoutSec?: number;
  /** Signal to send first; undefined uses the container's stop signal. */
  signal?: string;
}

export interface RemoveOptions {
  /** Kill a running container first. */
  force?: boolean;
  /** Remove anonymous volumes too. */
  volumes?: boolean;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface LogOptions {
  follow?: boolean;
  /** Unix seconds (may be fractional) or an RFC 3339 time, as docker accepts. */
  since?: number | string;
  until?: number | string;
  /** Number of lines from the end; undefined for all. */
  tail?: number;
  timestamps?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Stops a followed stream. */
  signal?: AbortSignal;
}

/** One chunk of container output, already separated by stream. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
  /** When the engine gave one (logs with timestamps), ms since the epoch. */
  time?: number;
}

export interface AttachOptions {
  stdin?: boolean;
  /** Only output produced from now on (true) or also what the container already wrote (false). */
  streamOnly?: boolean;
  signal?: AbortSignal;
}

export interface AttachSession {
  output: AsyncIterable<OutputChunk>;
  /**
   * Present when stdin was requested. Ending it closes the container's stdin when the container was created with
   * `stdinOnce`; otherwise it ends this attachment (the container keeps its stdin for the next client).
   */
  stdin?: Writable;
  close(): Promise<void>;
}

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  privileged?: boolean;
  /** Data piped to the process's stdin, then closed. */
  stdin?: Readable | Buffer | string;
  signal?: AbortSignal;
}

export interface ExecSession {
  /** Must be read to the end (or the signal aborted): the exit code is known once the output is drained. */
  output: AsyncIterable<OutputChunk>;
  /** Resolves with the exit code once the process ended and its output was drained. */
  exitCode: Promise<number>;
  stdin?: Writable;
  /** Resize the tty, when there is one. */
  resize?(cols: number, rows: number): Promise<void>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TopResult {
  titles: string[];
  processes: string[][];
}

export interface StatsSample {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}
