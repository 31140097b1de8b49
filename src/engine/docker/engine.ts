/**
 * The Engine over a Docker (or Docker-compatible) daemon. One HTTP call per operation wherever the API allows:
 * no inspect after a call unless the answer needs it (logs and attach need to know whether there is a tty).
 * The operations live in one module per kind of object (containers, container-io, networks, volumes, images,
 * events, daemon); this class holds the transport they share and the one thing remembered across calls, the
 * daemon's API version.
 */
import type { Readable } from 'node:stream';
import type {
  AttachOptions,
  AttachSession,
  BuildOptions,
  ConnectOptions,
  ContainerDetails,
  ContainerListOptions,
  ContainerSpec,
  ContainerSummary,
  Engine,
  EngineEvent,
  EngineInfo,
  EventOptions,
  ExecOptions,
  ExecSession,
  ImageDetails,
  ImageSummary,
  LabelFilter,
  LogOptions,
  NetworkDetails,
  NetworkSpec,
  NetworkSummary,
  OutputChunk,
  PullOptions,
  RemoveOptions,
  StatsSample,
  StopOptions,
  TopResult,
  VolumeSpec,
  VolumeSummary,
  WaitCondition,
} from '../types.js';
import * as io from './container-io.js';
import * as containers from './containers.js';
import { daemonApiVersion, daemonInfo, pingDaemon } from './daemon.js';
import type { DockerEndpoint } from './endpoint.js';
import { engineEvents } from './events.js';
import * as images from './images.js';
import * as networks from './networks.js';
import { DockerTransport } from './transport.js';
import * as volumes from './volumes.js';

export class DockerEngine implements Engine {
  readonly kind = 'docker' as const;
  private readonly api: DockerTransport;
  private apiVersion?: Promise<string>;
  /** Asked once: stopping with a signal depends on it (see containers.stopContainer). */
  private readonly knownApiVersion = (): Promise<string> => (this.apiVersion ??= daemonApiVersion(this.api));

  constructor(readonly endpoint: DockerEndpoint) {
    this.api = new DockerTransport(endpoint);
  }

  /** The endpoint as a person writes it, for messages. */
  get url(): string {
    return this.endpoint.url;
  }

  // ------------------------------------------------------------------------------------------ daemon

  ping(timeoutMs?: number): Promise<void> {
    return pingDaemon(this.api, timeoutMs);
  }

  info(): Promise<EngineInfo> {
    return daemonInfo(this.api);
  }

  async close(): Promise<void> {
    this.api.close();
  }

  // ------------------------------------------------------------------------------------------ containers

  listContainers(options?: ContainerListOptions): Promise<ContainerSummary[]> {
    return containers.listContainers(this.api, options);
  }

  inspectContainer(idOrName: string): Promise<ContainerDetails> {
    return containers.inspectContainer(this.api, idOrName);
  }

  createContainer(spec: ContainerSpec): Promise<{ id: string; warnings: string[] }> {
    return containers.createContainer(this.api, spec);
  }

  startContainer(id: string): Promise<void> {
    return containers.startContainer(this.api, id);
  }

  stopContainer(id: string, options?: StopOptions): Promise<void> {
    return containers.stopContainer(this.api, this.knownApiVersion, id, options);
  }

  restartContainer(id: string, options?: StopOptions): Promise<void> {
    return containers.restartContainer(this.api, this.knownApiVersion, id, options);
  }

  killContainer(id: string, signal?: string): Promise<void> {
    return containers.killContainer(this.api, id, signal);
  }

  removeContainer(id: string, options?: RemoveOptions): Promise<void> {
    return containers.removeContainer(this.api, id, options);
  }

  renameContainer(id: string, newName: string): Promise<void> {
    return containers.renameContainer(this.api, id, newName);
  }

  pauseContainer(id: string): Promise<void> {
    return containers.pauseContainer(this.api, id);
  }

  unpauseContainer(id: string): Promise<void> {
    return containers.unpauseContainer(this.api, id);
  }

  waitContainer(id: string, condition?: WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number }> {
    return containers.waitContainer(this.api, id, condition, signal);
  }

  // ------------------------------------------------------------------------------------------ container io

  containerLogs(id: string, options?: LogOptions): AsyncGenerator<OutputChunk> {
    return io.containerLogs(this.api, id, options);
  }

  attachContainer(id: string, options?: AttachOptions): Promise<AttachSession> {
    return io.attachContainer(this.api, id, options);
  }

  exec(id: string, options: ExecOptions): Promise<ExecSession> {
    return io.execInContainer(this.api, id, options);
  }

  getArchive(id: string, path: string): Promise<Readable> {
    return io.getArchive(this.api, id, path);
  }

  putArchive(id: string, path: string, tar: Readable): Promise<void> {
    return io.putArchive(this.api, id, path, tar);
  }

  top(id: string, psArgs?: string): Promise<TopResult> {
    return io.top(this.api, id, psArgs);
  }

  stats(id: string): Promise<StatsSample> {
    return io.stats(this.api, id);
  }

  // ------------------------------------------------------------------------------------------ networks

  listNetworks(options?: { labels?: LabelFilter; names?: string[] }): Promise<NetworkSummary[]> {
    return networks.listNetworks(this.api, options);
  }

  inspectNetwork(idOrName: string): Promise<NetworkDetails> {
    return networks.inspectNetwork(this.api, idOrName);
  }

  createNetwork(spec: NetworkSpec): Promise<{ id: string }> {
    return networks.createNetwork(this.api, spec);
  }

  removeNetwork(idOrName: string): Promise<void> {
    return networks.removeNetwork(this.api, idOrName);
  }

  connectNetwork(network: string, container: string, options?: ConnectOptions): Promise<void> {
    return networks.connectNetwork(this.api, network, container, options);
  }

  disconnectNetwork(network: string, container: string, force?: boolean): Promise<void> {
    return networks.disconnectNetwork(this.api, network, container, force);
  }

  // ------------------------------------------------------------------------------------------ volumes

  listVolumes(options?: { labels?: LabelFilter; names?: string[] }): Promise<VolumeSummary[]> {
    return volumes.listVolumes(this.api, options);
  }

  inspectVolume(name: string): Promise<VolumeSummary> {
    return volumes.inspectVolume(this.api, name);
  }

  createVolume(spec: VolumeSpec): Promise<VolumeSummary> {
    return volumes.createVolume(this.api, spec);
  }

  removeVolume(name: string, force?: boolean): Promise<void> {
    return volumes.removeVolume(this.api, name, force);
  }

  // ------------------------------------------------------------------------------------------ images

  listImages(options?: { labels?: LabelFilter; references?: string[] }): Promise<ImageSummary[]> {
    return images.listImages(this.api, options);
  }

  inspectImage(ref: string): Promise<ImageDetails> {
    return images.inspectImage(this.api, ref);
  }

  pullImage(ref: string, options?: PullOptions): Promise<void> {
    return images.pullImage(this.api, ref, options);
  }

  pushImage(ref: string, options?: PullOptions): Promise<{ digest?: string }> {
    return images.pushImage(this.api, ref, options);
  }

  buildImage(context: Readable, options: BuildOptions): Promise<{ imageId: string }> {
    return images.buildImage(this.api, context, options);
  }

  tagImage(source: string, target: string): Promise<void> {
    return images.tagImage(this.api, source, target);
  }

  removeImage(ref: string, options?: { force?: boolean; noPrune?: boolean }): Promise<void> {
    return images.removeImage(this.api, ref, options);
  }

  // ------------------------------------------------------------------------------------------ events

  events(options?: EventOptions): AsyncGenerator<EngineEvent> {
    return engineEvents(this.api, options);
  }
}
