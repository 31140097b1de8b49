/**
 * The Engine's network operations on the embedded engine: networks themselves are the network manager's; what
 * this adds is the containers' side (their records, their hosts files, their published ports) and the events.
 */
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.js';
import type * as T from '../types.js';
import { isLive } from './containers/lifecycle.js';
import { orderedAttachments, publishPorts, writeNetworkFiles, type NetDeps } from './containers/networking.js';
import type { ContainerRecord } from './containers/record.js';
import type { ContainerStore } from './containers/store.js';
import type { NetworkManager } from './net/index.js';
import { appendEvent } from './state/journal.js';
import { matchesLabels } from './volumes.js';

export class EngineNetworks {
  constructor(
    private readonly net: NetworkManager,
    private readonly containers: ContainerStore,
    private readonly journal: string,
    private readonly locked: <R>(fn: () => Promise<R>) => Promise<R>,
  ) {}

  private get deps(): NetDeps {
    return { net: this.net, containers: this.containers };
  }

  private event(action: string, network: { id: string; name: string }, extra: Record<string, string> = {}): void {
    appendEvent(this.journal, { type: 'network', action, id: network.id, attributes: { name: network.name, ...extra } });
  }

  async list(options: { labels?: T.LabelFilter; names?: string[] } = {}): Promise<T.NetworkSummary[]> {
    return (await this.net.listNetworks()).filter(
      (n) => (!options.names || options.names.includes(n.name)) && matchesLabels(n.labels, options.labels),
    );
  }

  inspect(ref: string): Promise<T.NetworkDetails> {
    return this.net.inspectNetwork(ref);
  }

  async create(spec: T.NetworkSpec): Promise<{ id: string }> {
    const details = await this.net.createNetwork(spec);
    this.event('create', details, { type: 'bridge', ...details.labels });
    return { id: details.id };
  }

  async remove(ref: string): Promise<void> {
    const details = await this.net.inspectNetwork(ref);
    await this.net.removeNetwork(details.id);
    this.event('destroy', details, { type: 'bridge', ...details.labels });
  }

  /** The bridged container behind `ref`, or a clear refusal for the other network modes. */
  private async bridged(ref: string, action: string): Promise<ContainerRecord> {
    const record = await this.containers.get(ref);
    const mode = record.network?.mode ?? (record.hostNetwork ? 'host' : 'none');
    if (mode !== 'bridge') {
      throw new InvalidRequestError(`cannot ${action} container ${record.name}: its network mode is ${mode === 'container' ? record.spec.networkMode : mode}`);
    }
    return record;
  }

  async connect(networkRef: string, containerRef: string, options: T.ConnectOptions = {}): Promise<void> {
    const done = await this.locked(async () => {
      const record = await this.bridged(containerRef, `connect to network ${networkRef}`);
      const before = await this.firstAddress(record);
      const network = await this.net.inspectNetwork(networkRef);
      const netnsPath = await this.net.createNetns(record.id);
      const endpoint = {
        networkId: network.id,
        networkName: network.name,
        aliases: [...new Set(options.aliases ?? [])],
        ...(options.ipv4Address ? { ipv4Address: options.ipv4Address } : {}),
        ...(options.macAddress ? { macAddress: options.macAddress } : {}),
      };
      const service = record.spec.labels['com.docker.compose.service'];
      await this.net.attach(network.id, {
        containerId: record.id,
        containerName: record.name,
        netnsPath,
        names: service ? [service] : [],
        aliases: endpoint.aliases,
        hostname: record.config.hostname,
        ...(endpoint.ipv4Address ? { ipv4Address: endpoint.ipv4Address } : {}),
        ...(endpoint.macAddress ? { macAddress: endpoint.macAddress } : {}),
        ...(record.spec.dns?.length ? { dns: record.spec.dns } : {}),
      });
      const endpoints = [...(record.network!.endpoints ?? []).filter((e) => e.networkId !== network.id), endpoint];
      const updated: ContainerRecord = { ...record, network: { ...record.network!, netnsPath, endpoints } };
      await this.containers.save(updated);
      await writeNetworkFiles(this.deps, updated, this.containers.files(record.id));
      return { record: updated, network, before };
    });
    await this.republishIfMoved(done.record, done.before);
    this.event('connect', done.network, { container: done.record.id });
  }

  async disconnect(networkRef: string, containerRef: string): Promise<void> {
    const done = await this.locked(async () => {
      const record = await this.bridged(containerRef, `disconnect from network ${networkRef}`);
      const before = await this.firstAddress(record);
      const network = await this.net.inspectNetwork(networkRef);
      const attached = (await this.net.attachments(record.id)).some((a) => a.networkId === network.id);
      if (!attached) {
        throw new NotFoundError('container', record.name, { message: `container ${record.name} is not connected to network ${network.name}` });
      }
      await this.net.detach(network.id, record.id);
      const endpoints = record.network!.endpoints.filter((e) => e.networkId !== network.id);
      const updated: ContainerRecord = { ...record, network: { ...record.network!, endpoints } };
      await this.containers.save(updated);
      await writeNetworkFiles(this.deps, updated, this.containers.files(record.id));
      return { record: updated, network, before };
    });
    await this.republishIfMoved(done.record, done.before);
    this.event('disconnect', done.network, { container: done.record.id });
  }

  private async firstAddress(record: ContainerRecord): Promise<string | undefined> {
    return (await orderedAttachments(this.net, record))[0]?.ipAddress;
  }

  /** A running container's ports follow its first address: publish them again when that address changed. */
  private async republishIfMoved(record: ContainerRecord, before: string | undefined): Promise<void> {
    if (!record.spec.ports?.length || (await this.firstAddress(record)) === before) return;
    if (!isLive(await this.containers.observe(record))) return;
    await publishPorts(this.deps, record).catch((err: unknown) => {
      // The port was taken while it was briefly free: the container keeps running unpublished, like a port clash.
      if (!(err instanceof ConflictError)) throw err;
    });
  }

  /** A container's networks and (while it runs) published ports, for its summary and details. */
  async viewOf(record: ContainerRecord, live: boolean): Promise<Pick<T.ContainerSummary, 'networks' | 'ports'>> {
    const mode = record.network?.mode ?? (record.hostNetwork ? 'host' : 'none');
    if (mode === 'host') return { networks: { host: { networkId: 'host' } }, ports: [] };
    if (mode !== 'bridge') return { networks: {}, ports: [] };
    const networks: T.ContainerSummary['networks'] = {};
    for (const a of await orderedAttachments(this.net, record)) {
      networks[a.network] = { networkId: a.networkId, ipAddress: a.ipAddress, aliases: a.aliases };
    }
    return { networks, ports: live ? await this.net.published(record.id) : [] };
  }
}
