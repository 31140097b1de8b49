/**
 * The embedded engine: daemonless containers on this host with runc, overlayfs and one supervisor process per
 * container, bridge networks with name servers and published ports (./net), all state under one data root.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import type { Readable } from 'node:stream';
import { ConflictError, EngineUnavailableError, InvalidRequestError, UnsupportedError } from '../errors.js';
import type * as T from '../types.js';
import { runCommand } from './command.js';
import { createContainer, imageLowerDirs, type CreateDeps } from './containers/create.js';
import { execInContainer } from './containers/exec.js';
import { getArchive, putArchive } from './containers/files-io.js';
import { supervisorEntry } from './containers/launcher.js';
import * as life from './containers/lifecycle.js';
import { readLogs } from './containers/logs.js';
import { stats, top } from './containers/processes.js';
import type { ContainerRecord } from './containers/record.js';
import { recoverContainers } from './containers/recovery.js';
import { ContainerStore } from './containers/store.js';
import { detailsOf, summaryOf } from './containers/view.js';
import { collectGarbage } from './images/gc.js';
import { LayerCache } from './images/layers.js';
import { importRootfs, loadSaveArchive, type ImportOptions } from './images/load.js';
import { listImageSummaries } from './images/list.js';
import { ImageStore } from './images/store.js';
import { pullImage } from './images/pull.js';
import { findRuntime, Runc } from './runtime/runc.js';
import { withLock } from './state/lock.js';
import { appendEvent, readEvents } from './state/journal.js';
import { enginePaths, type EnginePaths } from './state/paths.js';
import { matchesLabels, VolumeStore } from './volumes.js';
import { openAttach } from './containers/attach.js';
import { releaseHostDirs } from './runtime/host-cleanup.js';
import { createNetworkManager, type NetworkManager } from './net/index.js';
import { prepareStart, releasePorts, tearDownNetwork } from './containers/networking.js';
import { recoverNetworking } from './containers/net-recovery.js';
import { EngineNetworks } from './networks.js';
import { timed } from './timing.js';

const ENGINE_VERSION = '0.1.0';

export class EmbeddedEngine implements T.Engine {
  readonly kind = 'embedded' as const;
  readonly paths: EnginePaths;
  readonly images: ImageStore;
  readonly layers: LayerCache;
  readonly volumes: VolumeStore;
  readonly containers: ContainerStore;
  readonly runc: Runc;
  readonly net: NetworkManager;
  private readonly networks: EngineNetworks;
  /** What the last recovery repaired, for diagnostics. */
  recoveryNotes: string[] = [];
  private supervisorScript?: Promise<string>;

  constructor(dataRoot: string) {
    this.paths = enginePaths(dataRoot);
    this.images = new ImageStore(this.paths.blobs, this.paths.imageIndex);
    this.layers = new LayerCache(this.paths.layers);
    this.volumes = new VolumeStore(this.paths.volumes);
    this.runc = new Runc(findRuntime(), this.paths.runcRoot);
    this.containers = new ContainerStore(this.paths.containers, this.runc, this.paths.events);
    this.net = createNetworkManager({ dataRoot: this.paths.root });
    this.networks = new EngineNetworks(this.net, this.containers, this.paths.events, (fn) => this.locked(fn));
  }

  /** Creates the layout and reconciles the state on disk with what really runs. */
  async open(): Promise<this> {
    const p = this.paths;
    for (const dir of [p.root, p.tmp, p.blobs, p.layers, p.volumes, p.containers, p.runcRoot]) {
      await fs.mkdir(dir, { recursive: true, mode: 0o711 });
    }
    await this.locked(async () => {
      this.recoveryNotes = await recoverContainers(this.containers, this.runc, p.containers);
      this.recoveryNotes.push(...(await this.net.repair()));
      this.recoveryNotes.push(...(await recoverNetworking(this.net, await this.containers.all())));
    });
    return this;
  }

  private locked<R>(fn: () => Promise<R>): Promise<R> {
    return withLock(this.paths.lock, fn);
  }

  private createDeps(): CreateDeps {
    return { images: this.images, layers: this.layers, layersDir: this.paths.layers, volumes: this.volumes, containers: this.containers, cgroupParent: this.paths.cgroupParent, net: this.net };
  }

  private lifeDeps(): life.LifecycleDeps {
    return {
      containers: this.containers,
      runc: this.runc,
      journal: this.paths.events,
      layersDir: this.paths.layers,
      supervisorEntry: () => (this.supervisorScript ??= supervisorEntry(this.paths.tmp)),
      lowerDirs: async (record: ContainerRecord) => {
        const image = Object.values((await this.images.readIndex()).images).find((i) => i.id === record.imageId);
        if (image) return imageLowerDirs(this.createDeps(), image.layers);
        return record.layers.length ? record.layers.map((d) => this.layers.dirFor(d)) : [await this.layers.emptyLayer()];
      },
      network: {
        beforeStart: async (record) => void (await prepareStart({ net: this.net, containers: this.containers }, record, (fn) => this.locked(fn))),
        afterStop: (record) => releasePorts({ net: this.net, containers: this.containers }, record),
        portProxy: (record) => {
          if (record.network?.mode !== 'bridge' || !record.spec.ports?.length) return undefined;
          const files = this.net.proxyFiles(record.id);
          return { statusPath: files.status, configPath: files.config };
        },
      },
    };
  }

  private event(type: T.EngineEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    appendEvent(this.paths.events, { type, action, id, attributes });
  }

  // ------------------------------------------------------------------------------------------ daemon

  async ping(): Promise<void> {
    const result = await runCommand(this.runc.binary, ['--version']).catch(() => undefined);
    if (!result || result.code !== 0) {
      throw new EngineUnavailableError(`the OCI runtime ${this.runc.binary} is not available`, { hint: 'install runc' });
    }
    await fs.access(this.paths.root).catch((cause: unknown) => {
      throw new EngineUnavailableError(`cannot use the data root ${this.paths.root}`, { cause });
    });
  }

  async info(): Promise<T.EngineInfo> {
    return { kind: 'embedded', version: ENGINE_VERSION, os: 'linux', arch: arch() === 'x64' ? 'amd64' : arch(), endpoint: this.paths.root, cpus: cpus().length, memoryBytes: totalmem() };
  }

  // ------------------------------------------------------------------------------------------ containers

  async listContainers(options: T.ContainerListOptions = {}): Promise<T.ContainerSummary[]> {
    const out: T.ContainerSummary[] = [];
    for (const record of await this.containers.all()) {
      if (options.names && !options.names.includes(record.name)) continue;
      if (options.ids && !options.ids.some((id) => record.id.startsWith(id))) continue;
      if (!matchesLabels(record.spec.labels, options.labels)) continue;
      const observed = await this.containers.observe(record);
      if (options.all === false && !life.isLive(observed)) continue;
      out.push(summaryOf(observed, await this.networks.viewOf(record, life.isLive(observed))));
    }
    return out;
  }

  async inspectContainer(idOrName: string): Promise<T.ContainerDetails> {
    const observed = await this.containers.observe(await this.containers.get(idOrName));
    return detailsOf(observed, await this.networks.viewOf(observed.record, life.isLive(observed)));
  }

  async createContainer(spec: T.ContainerSpec): Promise<{ id: string; warnings: string[] }> {
    const { record, warnings } = await this.locked(() => createContainer(this.createDeps(), spec));
    life.event(this.lifeDeps(), record, 'create');
    return { id: record.id, warnings };
  }

  async startContainer(id: string): Promise<void> {
    await life.startContainer(this.lifeDeps(), await this.containers.get(id));
  }

  async stopContainer(id: string, options?: T.StopOptions): Promise<void> {
    const record = await this.containers.get(id);
    await life.stopContainer(this.lifeDeps(), record, options);
  }

  async restartContainer(id: string, options?: T.StopOptions): Promise<void> {
    const record = await this.containers.get(id);
    await life.stopContainer(this.lifeDeps(), record, options);
    await life.startContainer(this.lifeDeps(), record);
    life.event(this.lifeDeps(), record, 'restart');
  }

  async killContainer(id: string, signal?: string): Promise<void> {
    await life.killContainer(this.lifeDeps(), await this.containers.get(id), signal);
  }

  async removeContainer(id: string, options: T.RemoveOptions = {}): Promise<void> {
    const record = await this.containers.get(id);
    await life.removeContainer(this.lifeDeps(), record, options, () =>
      timed('remove.network', () => this.locked(() => tearDownNetwork({ net: this.net, containers: this.containers }, record))),
    );
    if ((await this.containers.all()).length === 0) await timed('remove.host-dirs', () => releaseHostDirs(this.paths.cgroupParent, this.paths.runcRoot));
    if (options.volumes && record.anonymousVolumes.length > 0) {
      await this.locked(async () => {
        const others = await this.containers.all();
        for (const name of record.anonymousVolumes) {
          if (others.some((c) => c.mounts.some((m) => m.name === name))) continue;
          await this.volumes.remove(name, []).catch(() => undefined);
        }
      });
    }
  }

  async renameContainer(id: string, newName: string): Promise<void> {
    await this.locked(async () => {
      const record = await this.containers.get(id);
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(newName)) throw new InvalidRequestError(`invalid container name "${newName}"`);
      const clash = await this.containers.find(newName);
      if (clash && clash.id !== record.id) throw new ConflictError(`container name "${newName}" is already in use`, 'container', newName);
      const oldName = record.name;
      await this.containers.save({ ...record, name: newName });
      await this.net.renameMember(record.id, newName);
      life.event(this.lifeDeps(), { ...record, name: newName }, 'rename', { oldName });
    });
  }

  async pauseContainer(id: string): Promise<void> {
    await life.pauseContainer(this.lifeDeps(), await this.containers.get(id));
  }

  async unpauseContainer(id: string): Promise<void> {
    await life.unpauseContainer(this.lifeDeps(), await this.containers.get(id));
  }

  async waitContainer(id: string, condition?: T.WaitCondition, signal?: AbortSignal): Promise<{ exitCode: number }> {
    return life.waitContainer(this.lifeDeps(), id, condition, signal);
  }

  containerLogs(id: string, options: T.LogOptions = {}): AsyncIterable<T.OutputChunk> {
    const containers = this.containers;
    return (async function* () {
      const record = await containers.get(id);
      const control = { finished: async () => !life.isLive(await containers.observe(record)) };
      yield* readLogs(containers.files(record.id).log, options, control);
    })();
  }

  async attachContainer(id: string, options: T.AttachOptions = {}): Promise<T.AttachSession> {
    return openAttach(this.containers, await this.containers.get(id), options);
  }

  private async running(id: string): Promise<{ record: ContainerRecord; pid: number }> {
    const record = await this.containers.get(id);
    const observed = await this.containers.observe(record);
    if (observed.state !== 'running') {
      throw new ConflictError(`container ${record.name} is not running (${observed.state})`, 'container', record.id);
    }
    return { record, pid: observed.runtime.pid };
  }

  async exec(id: string, options: T.ExecOptions): Promise<T.ExecSession> {
    const { record } = await this.running(id);
    return execInContainer(this.runc, record, this.containers.files(record.id), options);
  }

  async getArchive(id: string, path: string): Promise<Readable> {
    const record = await this.containers.get(id);
    const observed = await this.containers.observe(record);
    return getArchive(record, this.containers.files(record.id), observed.state === 'running' ? observed.runtime.pid : 0, path);
  }

  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    const record = await this.containers.get(id);
    const observed = await this.containers.observe(record);
    await putArchive(record, this.containers.files(record.id), observed.state === 'running' ? observed.runtime.pid : 0, path, tar);
  }

  async top(id: string, psArgs?: string): Promise<T.TopResult> {
    const { record } = await this.running(id);
    return top(this.runc, record.id, psArgs);
  }

  async stats(id: string): Promise<T.StatsSample> {
    const { record, pid } = await this.running(id);
    return stats(`${this.paths.cgroupParent}/${record.id}`, pid);
  }

  // ------------------------------------------------------------------------------------------ networks

  listNetworks(options?: { labels?: T.LabelFilter; names?: string[] }): Promise<T.NetworkSummary[]> {
    return this.networks.list(options);
  }

  inspectNetwork(idOrName: string): Promise<T.NetworkDetails> {
    return this.networks.inspect(idOrName);
  }

  createNetwork(spec: T.NetworkSpec): Promise<{ id: string }> {
    return this.networks.create(spec);
  }

  removeNetwork(idOrName: string): Promise<void> {
    return this.networks.remove(idOrName);
  }

  connectNetwork(network: string, container: string, options?: T.ConnectOptions): Promise<void> {
    return this.networks.connect(network, container, options);
  }

  disconnectNetwork(network: string, container: string): Promise<void> {
    return this.networks.disconnect(network, container);
  }

  // ------------------------------------------------------------------------------------------ volumes

  async listVolumes(options?: { labels?: T.LabelFilter; names?: string[] }): Promise<T.VolumeSummary[]> {
    return this.volumes.list(options);
  }

  async inspectVolume(name: string): Promise<T.VolumeSummary> {
    return this.volumes.inspect(name);
  }

  async createVolume(spec: T.VolumeSpec): Promise<T.VolumeSummary> {
    const existed = await this.volumes.find(spec.name);
    const volume = await this.locked(() => this.volumes.create(spec));
    if (!existed) this.event('volume', 'create', volume.name, { ...volume.labels, name: volume.name });
    return volume;
  }

  async removeVolume(name: string, force = false): Promise<void> {
    await this.locked(async () => {
      const users = (await this.containers.all()).filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === name));
      // force removes a volume only from stopped containers' point of view: one in use stays refused, like Docker.
      void force;
      await this.volumes.remove(name, users.map((c) => c.name));
    });
    this.event('volume', 'destroy', name, { name });
  }

  // ------------------------------------------------------------------------------------------ images

  listImages(options: { labels?: T.LabelFilter; references?: string[] } = {}): Promise<T.ImageSummary[]> {
    return listImageSummaries(this.images, options);
  }

  async inspectImage(ref: string): Promise<T.ImageDetails> {
    return this.images.details(await this.images.get(ref));
  }

  async pullImage(ref: string, options: T.PullOptions = {}): Promise<void> {
    await pullImage(ref, options, { images: this.images, layers: this.layers, locked: (fn) => this.locked(fn) });
    this.event('image', 'pull', ref, { name: ref });
  }

  async buildImage(): Promise<{ imageId: string }> {
    throw new UnsupportedError('the embedded engine cannot build images yet; build with docker and load the archive');
  }

  async tagImage(source: string, target: string): Promise<void> {
    await this.locked(() => this.images.tag(source, target));
    this.event('image', 'tag', target, { name: target });
  }

  async pushImage(ref: string): Promise<{ digest?: string }> {
    throw new UnsupportedError(`cannot push ${ref}: the embedded engine cannot push images yet`);
  }

  async removeImage(ref: string, options: { force?: boolean; noPrune?: boolean } = {}): Promise<void> {
    await this.locked(async () => {
      const records = await this.containers.all();
      const removed = await this.images.remove(ref, (id) => records.some((c) => c.imageId === id), options.force ?? false);
      if (removed.length > 0) await this.gcLocked(records);
    });
    this.event('image', 'delete', ref, { name: ref });
  }

  /** Loads a `docker save` archive (a path or a stream); returns the image ids loaded. */
  async loadImageArchive(source: string | Readable): Promise<string[]> {
    const stream = typeof source === 'string' ? createReadStream(source) : source;
    return this.locked(async () => {
      try {
        const loaded = await loadSaveArchive(stream, this.images, this.layers);
        return loaded.map((l) => l.image.id);
      } catch (err) {
        await this.gcLocked(await this.containers.all());
        throw err;
      }
    });
  }

  /** Imports a root filesystem tarball as a one-layer image (`docker import`). */
  async importImage(source: string | Readable, options: ImportOptions = {}): Promise<string> {
    const stream = typeof source === 'string' ? createReadStream(source) : source;
    return this.locked(async () => (await importRootfs(stream, this.images, this.layers, options)).id);
  }

  /** Deletes blobs and layers nothing refers to. */
  async collectGarbage(): Promise<{ blobs: number; layers: number }> {
    return this.locked(async () => this.gcLocked(await this.containers.all()));
  }

  private gcLocked(records: ContainerRecord[]) {
    return collectGarbage(this.images, this.layers, { blobs: this.paths.blobs, layers: this.paths.layers }, records.flatMap((r) => r.layers));
  }

  // ------------------------------------------------------------------------------------------ events

  events(options: T.EventOptions = {}): AsyncIterable<T.EngineEvent> {
    return readEvents(this.paths.events, options);
  }

  async close(): Promise<void> {
    // Every call opens and closes what it uses; only runc's host directories may be left to tidy.
    if ((await this.containers.all()).length === 0) await releaseHostDirs(this.paths.cgroupParent, this.paths.runcRoot);
  }
}
