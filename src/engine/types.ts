/**
 * The one interface the reconciler and the CLI talk to. Types here are engine-neutral and small: they say what a
 * compose stack needs from an engine, not how Docker's API spells it. Implementations: docker/ and embedded/.
 * Every method raises the typed errors of ./errors.ts (NotFoundError, ConflictError, EngineUnavailableError, ...).
 */
import type { Readable } from 'node:stream';
import type { EngineInfo, EngineKind, LabelFilter } from './types/common.js';
import type {
  AttachOptions, AttachSession, ContainerDetails, ContainerListOptions, ContainerSpec, ContainerSummary, ExecOptions,
  ExecSession, LogOptions, OutputChunk, RemoveOptions, StatsSample, StopOptions, TopResult, WaitCondition,
} from './types/containers.js';
import type { EngineEvent, EventOptions } from './types/events.js';
import type { BuildOptions, ImageDetails, ImageSummary, PullOptions } from './types/images.js';
import type { ConnectOptions, NetworkDetails, NetworkSpec, NetworkSummary } from './types/networks.js';
import type { VolumeSpec, VolumeSummary } from './types/volumes.js';

export type * from './types/common.js';
export type * from './types/containers.js';
export type * from './types/networks.js';
export type * from './types/volumes.js';
export type * from './types/images.js';
export type * from './types/events.js';

/** A container engine as Flotilla uses it: containers, their streams, networks, volumes, images and events. */
export interface Engine {
  readonly kind: EngineKind;

  /** Fails with EngineUnavailableError when the engine does not answer. */
  ping(): Promise<void>;
  info(): Promise<EngineInfo>;

  listContainers(options?: ContainerListOptions): Promise<ContainerSummary[]>;
  inspectContainer(idOrName: string): Promise<ContainerDetails>;
  /** Creates (does not start). Name clash → ConflictError; missing image → NotFoundError('image'). */
  createContainer(spec: ContainerSpec): Promise<{ id: string; warnings: string[] }>;
  /** Starting a running container is not an error. */
  startContainer(id: string): Promise<void>;
  /** Stopping a stopped container is not an error. */
  stopContainer(id: string, options?: StopOptions): Promise<void>;
  restartContainer(id: string, options?: StopOptions): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  removeContainer(id: string, options?: RemoveOptions): Promise<void>;
  renameContainer(id: string, newName: string): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** Resolves with the exit code once the condition holds. */
  waitContainer(id: string, condition?: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number }>;
  containerLogs(id: string, options?: LogOptions): AsyncIterable<OutputChunk>;
  attachContainer(id: string, options?: AttachOptions): Promise<AttachSession>;
  /** Starts a process in a running container and streams it. */
  exec(id: string, options: ExecOptions): Promise<ExecSession>;
  /** A tar stream of a path in the container. */
  getArchive(id: string, path: string): Promise<Readable>;
  /** Extracts a tar stream at a path in the container. */
  putArchive(id: string, path: string, tar: Readable): Promise<void>;
  top(id: string, psArgs?: string): Promise<TopResult>;
  stats(id: string): Promise<StatsSample>;

  listNetworks(options?: { labels?: LabelFilter; names?: string[] }): Promise<NetworkSummary[]>;
  inspectNetwork(idOrName: string): Promise<NetworkDetails>;
  createNetwork(spec: NetworkSpec): Promise<{ id: string }>;
  removeNetwork(idOrName: string): Promise<void>;
  connectNetwork(network: string, container: string, options?: ConnectOptions): Promise<void>;
  disconnectNetwork(network: string, container: string, force?: boolean): Promise<void>;

  listVolumes(options?: { labels?: LabelFilter; names?: string[] }): Promise<VolumeSummary[]>;
  inspectVolume(name: string): Promise<VolumeSummary>;
  createVolume(spec: VolumeSpec): Promise<VolumeSummary>;
  removeVolume(name: string, force?: boolean): Promise<void>;

  listImages(options?: { labels?: LabelFilter; references?: string[] }): Promise<ImageSummary[]>;
  inspectImage(ref: string): Promise<ImageDetails>;
  pullImage(ref: string, options?: PullOptions): Promise<void>;
  /** Builds from a tar stream of the context; resolves with the image id. */
  buildImage(context: Readable, options: BuildOptions): Promise<{ imageId: string }>;
  tagImage(source: string, target: string): Promise<void>;
  pushImage(ref: string, options?: PullOptions): Promise<{ digest?: string }>;
  removeImage(ref: string, options?: { force?: boolean; noPrune?: boolean }): Promise<void>;

  /** A live stream of engine events, until the signal aborts. */
  events(options?: EventOptions): AsyncIterable<EngineEvent>;

  /** Releases sockets and handles. */
  close(): Promise<void>;
}
