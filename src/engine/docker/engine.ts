/**
 * The Engine over a Docker (or Docker-compatible) daemon. One HTTP call per operation wherever the API allows:
 * no inspect after a call unless the answer needs it (logs and attach need to know whether there is a tty).
 */
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { EngineError, EngineUnavailableError } from '../errors.js';
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
import { createBody, endpointConfig } from './container-spec.js';
import {
  containerDetails,
  containerSummary,
  imageDetails,
  imageSummary,
  networkDetails,
  networkSummary,
  statsSample,
  volumeSummary,
} from './convert.js';
import type { DockerEndpoint } from './endpoint.js';
import { unreachableError } from './error-map.js';
import { escapeRegExp, filtersParam, labelFilterValues, matchesLabels } from './filters.js';
import { BuildProgress, TransferProgress, type JsonMessage } from './progress.js';
import { registryAuthBody, registryConfigBody, splitReference, withDefaultTag } from './references.js';
import { closing, demultiplex, guarded, jsonLines, rawOutput, withTimestamps } from './streams.js';
import { DockerTransport } from './transport.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A plain ping is patient; `createEngine({ engine: 'auto' })` passes its own short timeout. */
const DEFAULT_PING_TIMEOUT_MS = 5000;

const seg = (value: string): string => encodeURIComponent(value);

export class DockerEngine implements Engine {
  readonly kind = 'docker' as const;
  private readonly api: DockerTransport;
  private apiVersion?: Promise<string>;

  constructor(readonly endpoint: DockerEndpoint) {
    this.api = new DockerTransport(endpoint);
  }

  /** The endpoint as a person writes it, for messages. */
  get url(): string {
    return this.endpoint.url;
  }

  // ------------------------------------------------------------------------------------------ daemon

  async ping(timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await this.api.json({ method: 'GET', path: '/_ping', what: 'ping', signal });
    } catch (err) {
      if (signal.aborted) {
        throw new EngineUnavailableError(
          `cannot reach Docker at ${this.url}: no answer within ${timeoutMs} ms. Use --engine embedded to run without a daemon`,
          { cause: err },
        );
      }
      if (err instanceof EngineUnavailableError) throw unreachableError(this.url, err.cause);
      throw err;
    }
  }

  async info(): Promise<EngineInfo> {
    const [version, info] = await Promise.all([
      this.api.json<Json>({ method: 'GET', path: '/version', what: 'version' }),
      this.api.json<Json>({ method: 'GET', path: '/info', what: 'info' }),
    ]);
    return {
      kind: 'docker',
      version: version.Version ?? '',
      apiVersion: version.ApiVersion,
      os: version.Os ?? info.OSType ?? '',
      arch: version.Arch ?? info.Architecture ?? '',
      endpoint: this.url,
      cpus: info.NCPU,
      memoryBytes: info.MemTotal,
    };
  }

  /** The daemon's API version, asked once. */
  private daemonApiVersion(): Promise<string> {
    this.apiVersion ??= this.api
      .json<Json>({ method: 'GET', path: '/version', what: 'version' })
      .then((v) => String(v.ApiVersion ?? '1.41'));
    return this.apiVersion;
  }

  async close(): Promise<void> {
    this.api.close();
  }

  // ------------------------------------------------------------------------------------------ containers

  async listContainers(options: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const filters = filtersParam({
      label: labelFilterValues(options.labels),
      name: (options.names ?? []).map((n) => `^/${escapeRegExp(n)}$`),
      id: options.ids ?? [],
    });
    const list = await this.api.json<Json[]>({
      method: 'GET',
      path: '/containers/json',
      query: { all: options.all ?? true, filters },
      what: 'list containers',
    });
    return list
      .map(containerSummary)
      .filter(
        (c) =>
          (!options.names || options.names.includes(c.name)) &&
          (!options.ids || options.ids.some((id) => c.id.startsWith(id))) &&
          matchesLabels(c.labels, options.labels),
      );
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetails> {
    return containerDetails(await this.inspectRaw(idOrName));
  }

  private inspectRaw(idOrName: string): Promise<Json> {
    return this.api.json<Json>({
      method: 'GET',
      path: `/containers/${seg(idOrName)}/json`,
      what: `inspect container ${idOrName}`,
      subject: { kind: 'container', ref: idOrName },
    });
  }

  /**
   * Creates the container attached to its first network, then connects the others, so the caller gets a
   * container that is ready to start. If a connect fails the container is removed again.
   */
  async createContainer(spec: ContainerSpec): Promise<{ id: string; warnings: string[] }> {
    const { body, laterNetworks } = createBody(spec);
    const created = await this.api.json<Json>({
      method: 'POST',
      path: '/containers/create',
      query: { name: spec.name, platform: spec.platform },
      body,
      ok: [201],
      what: `create container ${spec.name}`,
      subject: { kind: 'container', ref: spec.name },
    });
    const id = String(created.Id);
    try {
      for (const network of laterNetworks) {
        await this.connectNetwork(network.network, id, network);
      }
    } catch (err) {
      await this.removeContainer(id, { force: true }).catch(() => undefined);
      throw err;
    }
    return { id, warnings: (created.Warnings ?? []) as string[] };
  }

  async startContainer(id: string): Promise<void> {
    await this.containerAction(id, 'start', 'start', {}, [204, 304]);
  }

  async stopContainer(id: string, options: StopOptions = {}): Promise<void> {
    if (options.signal && !(await this.supportsStopSignal())) {
      await this.stopWithSignal(id, options.signal, options.timeoutSec);
      return;
    }
    await this.containerAction(id, 'stop', 'stop', { t: options.timeoutSec, signal: options.signal }, [204, 304]);
  }

  /** `signal` on stop came with API 1.42; older daemons get kill, a bounded wait, then a stop for the rest. */
  private async supportsStopSignal(): Promise<boolean> {
    const [major, minor] = (await this.daemonApiVersion()).split('.').map(Number);
    return major > 1 || (major === 1 && minor >= 42);
  }

  private async stopWithSignal(id: string, signal: string, timeoutSec: number | undefined): Promise<void> {
    try {
      await this.killContainer(id, signal);
    } catch (err) {
      if ((err as Error).name !== 'ConflictError') throw err; // not running: nothing to signal
    }
    const limit = AbortSignal.timeout(Math.max(0, timeoutSec ?? 10) * 1000);
    await this.waitContainer(id, 'not-running', limit).catch(() => undefined);
    // Marks the container as stopped on purpose (so restart policies leave it) and kills what is left.
    await this.containerAction(id, 'stop', 'stop', { t: 0 }, [204, 304]);
  }

  async restartContainer(id: string, options: StopOptions = {}): Promise<void> {
    if (options.signal) {
      await this.stopContainer(id, options);
      await this.startContainer(id);
      return;
    }
    await this.containerAction(id, 'restart', 'restart', { t: options.timeoutSec }, [204]);
  }

  async killContainer(id: string, signal?: string): Promise<void> {
    await this.containerAction(id, 'kill', 'kill', { signal }, [204]);
  }

  async removeContainer(id: string, options: RemoveOptions = {}): Promise<void> {
    await this.api.json({
      method: 'DELETE',
      path: `/containers/${seg(id)}`,
      query: { force: options.force, v: options.volumes },
      ok: [204],
      what: `remove container ${id}`,
      subject: { kind: 'container', ref: id },
    });
  }

  async renameContainer(id: string, newName: string): Promise<void> {
    await this.containerAction(id, 'rename', `rename to ${newName}`, { name: newName }, [204]);
  }

  async pauseContainer(id: string): Promise<void> {
    await this.containerAction(id, 'pause', 'pause', {}, [204]);
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.containerAction(id, 'unpause', 'unpause', {}, [204]);
  }

  private async containerAction(
    id: string,
    action: string,
    verb: string,
    query: Record<string, string | number | undefined>,
    ok: number[],
  ): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: `/containers/${seg(id)}/${action}`,
      query,
      ok,
      what: `${verb} container ${id}`,
      subject: { kind: 'container', ref: id },
    });
  }

  async waitContainer(
    id: string,
    condition: WaitCondition = 'not-running',
    signal?: AbortSignal,
  ): Promise<{ exitCode: number }> {
    const result = await this.api.json<Json>({
      method: 'POST',
      path: `/containers/${seg(id)}/wait`,
      query: { condition },
      signal,
      what: `wait for container ${id}`,
      subject: { kind: 'container', ref: id },
    });
    if (result.Error?.Message) throw new EngineError(`wait for container ${id}: ${result.Error.Message}`);
    return { exitCode: Number(result.StatusCode ?? 0) };
  }

  /** Output of a container or exec: framed unless there is a tty. */
  private output(stream: Readable, tty: boolean, signal: AbortSignal | undefined, what: string): AsyncIterable<OutputChunk> {
    const chunks = tty ? rawOutput(stream) : demultiplex(stream);
    return closing(guarded(chunks, signal, (err) => this.api.mapError(err, what)), stream);
  }

  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<OutputChunk> {
    const what = `logs of container ${id}`;
    // The tty question and the log request go out together: a framed stream can only be read knowing it.
    const [details, stream] = await Promise.all([
      this.inspectRaw(id),
      this.api.stream({
        method: 'GET',
        path: `/containers/${seg(id)}/logs`,
        query: {
          follow: options.follow ?? false,
          stdout: options.stdout ?? true,
          stderr: options.stderr ?? true,
          since: options.since,
          until: options.until,
          timestamps: options.timestamps ?? false,
          tail: options.tail === undefined ? 'all' : String(options.tail),
        },
        signal: options.signal,
        what,
        subject: { kind: 'container', ref: id },
      }),
    ]);
    const tty = details.Config?.Tty === true;
    const chunks = this.output(stream, tty, options.signal, what);
    yield* options.timestamps ? withTimestamps(chunks, !tty) : chunks;
  }

  async attachContainer(id: string, options: AttachOptions = {}): Promise<AttachSession> {
    const details = await this.inspectRaw(id);
    const tty = details.Config?.Tty === true;
    const what = `attach to container ${id}`;
    const sock = await this.api.hijack({
      method: 'POST',
      path: `/containers/${seg(id)}/attach`,
      query: { stream: true, stdout: true, stderr: true, stdin: options.stdin ?? false, logs: !(options.streamOnly ?? true) },
      signal: options.signal,
      what,
      subject: { kind: 'container', ref: id },
    });
    return {
      output: this.output(sock, tty, options.signal, what),
      ...(options.stdin ? { stdin: stdinOf(sock) } : {}),
      close: async () => {
        sock.destroy();
      },
    };
  }

  async exec(id: string, options: ExecOptions): Promise<ExecSession> {
    const tty = options.tty ?? false;
    const wantsStdin = options.stdin !== undefined;
    const created = await this.api.json<Json>({
      method: 'POST',
      path: `/containers/${seg(id)}/exec`,
      body: {
        AttachStdin: wantsStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: tty,
        Cmd: options.cmd,
        ...(options.env ? { Env: options.env } : {}),
        ...(options.user ? { User: options.user } : {}),
        ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
        ...(options.privileged ? { Privileged: true } : {}),
      },
      ok: [201],
      what: `exec in container ${id}`,
      subject: { kind: 'container', ref: id },
    });
    const execId = String(created.Id);
    const what = `exec ${options.cmd.join(' ')} in container ${id}`;
    const sock = await this.api.hijack({
      method: 'POST',
      path: `/exec/${execId}/start`,
      body: { Detach: false, Tty: tty },
      signal: options.signal,
      what,
      subject: { kind: 'exec', ref: execId },
    });
    const stdin = options.stdin;
    if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
      sock.end(stdin);
    } else if (stdin) {
      stdin.pipe(sock);
    }
    const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    const exitCode = ended.then(() => this.execExitCode(execId, what));
    exitCode.catch(() => undefined); // awaited by the caller; never an unhandled rejection
    return {
      output: this.output(sock, tty, options.signal, what),
      exitCode,
      ...(tty
        ? {
            resize: async (cols: number, rows: number) => {
              await this.api.json({
                method: 'POST',
                path: `/exec/${execId}/resize`,
                query: { w: cols, h: rows },
                ok: [200, 201],
                what: `resize exec ${execId}`,
              });
            },
          }
        : {}),
    };
  }

  /** The daemon records the exit code a moment after the stream closes, hence the short retry. */
  private async execExitCode(execId: string, what: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.api.json<Json>({
        method: 'GET',
        path: `/exec/${execId}/json`,
        what,
        subject: { kind: 'exec', ref: execId },
      });
      if (!state.Running || attempt >= 50) return Number(state.ExitCode ?? -1);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async getArchive(id: string, path: string): Promise<Readable> {
    return this.api.stream({
      method: 'GET',
      path: `/containers/${seg(id)}/archive`,
      query: { path },
      what: `copy ${path} from container ${id}`,
      subject: { kind: 'container', ref: `${id}:${path}` },
    });
  }

  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    await this.api.json({
      method: 'PUT',
      path: `/containers/${seg(id)}/archive`,
      query: { path },
      file: tar,
      ok: [200],
      what: `copy into ${path} in container ${id}`,
      subject: { kind: 'container', ref: `${id}:${path}` },
    });
  }

  async top(id: string, psArgs?: string): Promise<TopResult> {
    const result = await this.api.json<Json>({
      method: 'GET',
      path: `/containers/${seg(id)}/top`,
      query: { ps_args: psArgs },
      what: `top of container ${id}`,
      subject: { kind: 'container', ref: id },
    });
    return { titles: result.Titles ?? [], processes: result.Processes ?? [] };
  }

  async stats(id: string): Promise<StatsSample> {
    const result = await this.api.json<Json>({
      method: 'GET',
      path: `/containers/${seg(id)}/stats`,
      query: { stream: false },
      what: `stats of container ${id}`,
      subject: { kind: 'container', ref: id },
    });
    return statsSample(result);
  }

  // ------------------------------------------------------------------------------------------ networks

  async listNetworks(options: { labels?: LabelFilter; names?: string[] } = {}): Promise<NetworkSummary[]> {
    const filters = filtersParam({ label: labelFilterValues(options.labels), name: options.names ?? [] });
    const list = await this.api.json<Json[]>({
      method: 'GET',
      path: '/networks',
      query: { filters },
      what: 'list networks',
    });
    // Docker's name filter matches substrings; names are exact here.
    return list
      .map(networkSummary)
      .filter((n) => (!options.names || options.names.includes(n.name)) && matchesLabels(n.labels, options.labels));
  }

  async inspectNetwork(idOrName: string): Promise<NetworkDetails> {
    const n = await this.api.json<Json>({
      method: 'GET',
      path: `/networks/${seg(idOrName)}`,
      what: `inspect network ${idOrName}`,
      subject: { kind: 'network', ref: idOrName },
    });
    return networkDetails(n);
  }

  async createNetwork(spec: NetworkSpec): Promise<{ id: string }> {
    const body: Json = {
      Name: spec.name,
      CheckDuplicate: true,
      Driver: spec.driver ?? 'bridge',
      Labels: spec.labels ?? {},
      Internal: spec.internal ?? false,
      Attachable: spec.attachable ?? false,
      EnableIPv6: spec.enableIpv6 ?? false,
    };
    if (spec.driverOpts) body.Options = spec.driverOpts;
    if (spec.ipam) {
      body.IPAM = {
        Driver: spec.ipam.driver ?? 'default',
        Config: (spec.ipam.config ?? []).map((p) => ({
          ...(p.subnet ? { Subnet: p.subnet } : {}),
          ...(p.ipRange ? { IPRange: p.ipRange } : {}),
          ...(p.gateway ? { Gateway: p.gateway } : {}),
          ...(p.auxAddresses ? { AuxiliaryAddresses: p.auxAddresses } : {}),
        })),
        Options: spec.ipam.options ?? {},
      };
    }
    const created = await this.api.json<Json>({
      method: 'POST',
      path: '/networks/create',
      body,
      ok: [201],
      what: `create network ${spec.name}`,
      subject: { kind: 'network', ref: spec.name },
    });
    return { id: String(created.Id) };
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await this.api.json({
      method: 'DELETE',
      path: `/networks/${seg(idOrName)}`,
      ok: [204, 200],
      what: `remove network ${idOrName}`,
      subject: { kind: 'network', ref: idOrName },
    });
  }

  async connectNetwork(network: string, container: string, options: ConnectOptions = {}): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: `/networks/${seg(network)}/connect`,
      body: { Container: container, EndpointConfig: endpointConfig(options) },
      ok: [200],
      what: `connect container ${container} to network ${network}`,
      subject: { kind: 'network', ref: network },
    });
  }

  async disconnectNetwork(network: string, container: string, force = false): Promise<void> {
    await this.api.json({
      method: 'POST',
      path: `/networks/${seg(network)}/disconnect`,
      body: { Container: container, Force: force },
      ok: [200],
      what: `disconnect container ${container} from network ${network}`,
      subject: { kind: 'network', ref: network },
    });
  }

  // ------------------------------------------------------------------------------------------ volumes

  async listVolumes(options: { labels?: LabelFilter; names?: string[] } = {}): Promise<VolumeSummary[]> {
    const filters = filtersParam({ label: labelFilterValues(options.labels), name: options.names ?? [] });
    const result = await this.api.json<Json>({
      method: 'GET',
      path: '/volumes',
      query: { filters },
      what: 'list volumes',
    });
    return ((result.Volumes ?? []) as Json[])
      .map(volumeSummary)
      .filter((v) => (!options.names || options.names.includes(v.name)) && matchesLabels(v.labels, options.labels));
  }

  async inspectVolume(name: string): Promise<VolumeSummary> {
    const v = await this.api.json<Json>({
      method: 'GET',
      path: `/volumes/${seg(name)}`,
      what: `inspect volume ${name}`,
      subject: { kind: 'volume', ref: name },
    });
    return volumeSummary(v);
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeSummary> {
    const v = await this.api.json<Json>({
      method: 'POST',
      path: '/volumes/create',
      body: {
        Name: spec.name,
        Driver: spec.driver ?? 'local',
        DriverOpts: spec.driverOpts ?? {},
        Labels: spec.labels ?? {},
      },
      ok: [201, 200],
      what: `create volume ${spec.name}`,
      subject: { kind: 'volume', ref: spec.name },
    });
    return volumeSummary(v);
  }

  async removeVolume(name: string, force = false): Promise<void> {
    await this.api.json({
      method: 'DELETE',
      path: `/volumes/${seg(name)}`,
      query: { force },
      ok: [204],
      what: `remove volume ${name}`,
      subject: { kind: 'volume', ref: name },
    });
  }

  // ------------------------------------------------------------------------------------------ images

  async listImages(options: { labels?: LabelFilter; references?: string[] } = {}): Promise<ImageSummary[]> {
    const filters = filtersParam({ label: labelFilterValues(options.labels), reference: options.references ?? [] });
    const list = await this.api.json<Json[]>({
      method: 'GET',
      path: '/images/json',
      query: { filters },
      what: 'list images',
    });
    return list.map(imageSummary);
  }

  async inspectImage(ref: string): Promise<ImageDetails> {
    const i = await this.api.json<Json>({
      method: 'GET',
      path: `/images/${ref}/json`,
      what: `inspect image ${ref}`,
      subject: { kind: 'image', ref },
    });
    return imageDetails(i);
  }

  async pullImage(ref: string, options: PullOptions = {}): Promise<void> {
    const what = `pull ${ref}`;
    const stream = await this.api.stream({
      method: 'POST',
      path: '/images/create',
      // A reference without a tag would pull every tag of the repository.
      query: { fromImage: withDefaultTag(ref), platform: options.platform },
      auth: options.auth ? registryAuthBody(options.auth) : undefined,
      signal: options.signal,
      what,
      subject: { kind: 'image', ref },
    });
    const progress = new TransferProgress((e) => options.onProgress?.(e));
    await this.readProgress(stream, options.signal, what, (m) => progress.read(m));
    if (progress.error) throw this.streamError(progress.error, what, ref);
    options.onProgress?.({ kind: 'done', ...(progress.digest ? { digest: progress.digest } : {}) });
  }

  async pushImage(ref: string, options: PullOptions = {}): Promise<{ digest?: string }> {
    const what = `push ${ref}`;
    const { repository, tag } = splitReference(ref);
    const stream = await this.api.stream({
      method: 'POST',
      path: `/images/${repository}/push`,
      query: { tag },
      // The daemon insists on the header, even for a registry without auth.
      auth: registryAuthBody(options.auth ?? {}),
      signal: options.signal,
      what,
      subject: { kind: 'image', ref },
    });
    const progress = new TransferProgress((e) => options.onProgress?.(e));
    await this.readProgress(stream, options.signal, what, (m) => progress.read(m));
    if (progress.error) throw this.streamError(progress.error, what, ref);
    options.onProgress?.({ kind: 'done', ...(progress.digest ? { digest: progress.digest } : {}) });
    return progress.digest ? { digest: progress.digest } : {};
  }

  async buildImage(context: Readable, options: BuildOptions): Promise<{ imageId: string }> {
    const what = `build ${options.tags[0] ?? 'image'}`;
    const stream = await this.api.stream({
      method: 'POST',
      path: '/build',
      query: {
        t: options.tags,
        dockerfile: options.dockerfile,
        buildargs: options.buildArgs ? JSON.stringify(options.buildArgs) : undefined,
        target: options.target,
        labels: options.labels ? JSON.stringify(options.labels) : undefined,
        nocache: options.noCache,
        pull: options.pull,
        cachefrom: options.cacheFrom ? JSON.stringify(options.cacheFrom) : undefined,
        networkmode: options.network,
        shmsize: options.shmSizeBytes,
        extrahosts: options.extraHosts?.join(','),
        platform: options.platform,
        rm: true,
        forcerm: true,
        // The classic builder: BuildKit over the API needs a session this client does not open.
        version: '1',
      },
      file: context,
      registryConfig: options.auth ? registryConfigBody(options.auth) : undefined,
      signal: options.signal,
      what,
    });
    const progress = new BuildProgress((e) => options.onProgress?.(e));
    await this.readProgress(stream, options.signal, what, (m) => progress.read(m));
    if (progress.error) throw this.streamError(progress.error, what, options.tags[0] ?? '');
    progress.end();
    if (!progress.imageId) throw new EngineError(`${what}: the build ended without an image`);
    const imageId = progress.imageId.startsWith('sha256:') ? progress.imageId : await this.fullImageId(progress.imageId);
    return { imageId };
  }

  private async fullImageId(shortId: string): Promise<string> {
    return (await this.inspectImage(shortId)).id;
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { repository, tag } = splitReference(target);
    await this.api.json({
      method: 'POST',
      path: `/images/${source}/tag`,
      query: { repo: repository, tag },
      ok: [201, 200],
      what: `tag ${source} as ${target}`,
      subject: { kind: 'image', ref: source },
    });
  }

  async removeImage(ref: string, options: { force?: boolean; noPrune?: boolean } = {}): Promise<void> {
    await this.api.json({
      method: 'DELETE',
      path: `/images/${ref}`,
      query: { force: options.force, noprune: options.noPrune },
      ok: [200],
      what: `remove image ${ref}`,
      subject: { kind: 'image', ref },
    });
  }

  private async readProgress(
    stream: Readable,
    signal: AbortSignal | undefined,
    what: string,
    onMessage: (m: JsonMessage) => void,
  ): Promise<void> {
    for await (const message of guarded(jsonLines<JsonMessage>(stream), signal, (err) => this.api.mapError(err, what))) {
      onMessage(message);
    }
    signal?.throwIfAborted();
  }

  /** An error reported inside a progress stream, typed like the HTTP ones. */
  private streamError(message: string, what: string, ref: string): Error {
    const status = /unauthorized|authentication required|denied|no basic auth credentials/i.test(message)
      ? 401
      : /not found|manifest unknown|no such image/i.test(message)
        ? 404
        : 500;
    const raw = Object.assign(new Error(message), { statusCode: status, json: { message } });
    return this.api.mapError(raw, what, { kind: 'image', ref });
  }

  // ------------------------------------------------------------------------------------------ events

  async *events(options: EventOptions = {}): AsyncGenerator<EngineEvent> {
    const what = 'events';
    const stream = await this.api.stream({
      method: 'GET',
      path: '/events',
      query: {
        filters: filtersParam({ label: labelFilterValues(options.labels), type: options.types ?? [] }),
        // Docker takes seconds with a fraction.
        since: options.since !== undefined ? (options.since / 1000).toFixed(3) : undefined,
        until: options.until !== undefined ? (options.until / 1000).toFixed(3) : undefined,
      },
      signal: options.signal,
      what,
    });
    const messages = guarded(jsonLines<Json>(stream), options.signal, (err) => this.api.mapError(err, what));
    for await (const m of closing(messages, stream)) {
      const type = m.Type ?? m.type;
      if (type !== 'container' && type !== 'network' && type !== 'volume' && type !== 'image') continue;
      yield {
        type,
        action: m.Action ?? m.status ?? '',
        id: m.Actor?.ID ?? m.id ?? '',
        attributes: m.Actor?.Attributes ?? {},
        time: m.timeNano ? Math.floor(m.timeNano / 1_000_000) : (m.time ?? 0) * 1000,
      };
    }
  }
}

/** The writable half of a hijacked connection; ending it half-closes, which the daemon reads as end of stdin. */
function stdinOf(sock: Duplex): PassThrough {
  const input = new PassThrough();
  input.pipe(sock);
  return input;
}

