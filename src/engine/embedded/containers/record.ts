/**
 * What the engine keeps about a container. record.json is the engine's (written at create, changed by rename);
 * state.json and health.json belong to the container's supervisor while it lives, and to the engine's
 * recovery once it is gone.
 */
import type {
  ContainerDetails,
  ContainerSpec,
  HealthcheckSpec,
  HealthLogEntry,
  HealthStatus,
  MountInfo,
  RestartPolicy,
} from '../../types.js';

export interface ContainerRecord {
  id: string;
  name: string;
  /** ms since the epoch. */
  created: number;
  /** The image reference as given at create. */
  image: string;
  imageId: string;
  /** diff_ids of the image layers, lowest first: the overlay lowerdirs. */
  layers: string[];
  spec: ContainerSpec;
  config: ContainerDetails['config'];
  mounts: MountInfo[];
  /** Volumes created for this container (image VOLUMEs, anonymous mounts), removed with `volumes: true`. */
  anonymousVolumes: string[];
  hostNetwork: boolean;
  /** How the container is networked (absent in records written before networking: host or loopback only). */
  network?: ContainerNetwork;
  restartPolicy: RestartPolicy;
  stopSignal: string;
  stopTimeoutSec: number;
}

/** One network a container is attached to, as asked: enough to attach it again after a reboot. */
export interface EndpointConfig {
  networkId: string;
  networkName: string;
  aliases: string[];
  ipv4Address?: string;
  macAddress?: string;
}

export interface ContainerNetwork {
  /** host: the host's namespace; none: loopback only; bridge: own namespace on bridges; container: another's. */
  mode: 'host' | 'none' | 'bridge' | 'container';
  /** mode container: the container whose namespace (and /etc files) this one shares. */
  container?: string;
  /** mode bridge: the named namespace (/run/netns/...), kept across restarts. */
  netnsPath?: string;
  /** mode bridge: attachments in priority order; the first carries the default route and the published ports. */
  endpoints: EndpointConfig[];
}

export type RuntimeStatus = 'created' | 'running' | 'restarting' | 'exited' | 'dead';

export interface RuntimeState {
  status: RuntimeStatus;
  /** Host pid of the container's init while running, else 0. */
  pid: number;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  restartCount: number;
  /** How many times the container exited since it was created (for `wait next-exit`). */
  exits: number;
  oomKilled: boolean;
  error?: string;
  /** Identifies the supervisor launch that wrote this state. */
  launch?: string;
  supervisorPid?: number;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  log: HealthLogEntry[];
}

/** What a supervisor needs to run its container: written by the engine as supervisor.json before launch. */
export interface SupervisorConfig {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  dir: string;
  runtime: string;
  runtimeRoot: string;
  journal: string;
  restartPolicy: RestartPolicy;
  healthcheck?: HealthcheckSpec;
  launch: string;
  tty: boolean;
  /** Feed the container's stdin from the stdin fifo (compose stdin_open). */
  stdinOpen: boolean;
  /** The first attached client closing its stdin closes the container's (docker run -i). */
  stdinOnce: boolean;
  /** restartCount and exits carried over from the previous run of this container. */
  previous: { restartCount: number; exits: number };
  /**
   * The container's port proxy (its status file and config path): stopped when the container ends for good, so
   * its host ports are free once it exited, as with Docker; a restart by policy keeps it.
   */
  portProxy?: { statusPath: string; configPath: string };
}

export function initialState(): RuntimeState {
  return {
    status: 'created',
    pid: 0,
    startedAt: '',
    finishedAt: '',
    exitCode: 0,
    restartCount: 0,
    exits: 0,
    oomKilled: false,
  };
}
