/**
 * The networking subsystem of the embedded engine, behind one object: bridge networks with their subnets,
 * firewall rules and name server; attaching containers' network namespaces to them; published ports; the files
 * that make a container use all that (resolv.conf, hosts). State lives under <dataRoot>/net; every kernel
 * object it creates is named after the data root, so two data roots (or tests) never see each other's.
 * `network_mode: host | none` and `container:<id>` are the caller's business: they need no network here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../errors.js';
import type { NetworkDetails, NetworkSpec, NetworkSummary, PortBinding, PublishedPort } from '../../types.js';
import { cleanupRoot } from './cleanup.js';
import { writeHosts, writeResolvConf, type HostsOptions } from './etc-files.js';
import { Firewall } from './firewall.js';
import { hostPrefixes } from './host.js';
import { leaseAddress, planSubnet } from './ipam.js';
import * as v4 from './ipv4.js';
import { createBridge, createEndpoint, createNamedNetns, deleteLink, deleteNamedNetns, freeInterfaceName, listLinks, setDefaultRoute } from './links.js';
import { withLock } from '../state/lock.js';
import { timed } from '../timing.js';
import { NameServers } from './name-servers.js';
import { checkNetworkSpec, newNetworkRecord } from './network-record.js';
import { hostNames, type HostNames } from './naming.js';
import { PortPublisher } from './ports.js';
import type { ProxyStatus } from './proxy-main.js';
import { netPaths, NetworkStore, type MemberRecord, type NetworkRecord } from './store.js';
import { attachmentOf, detailsOf, summaryOf, type Attachment } from './view.js';

/** Held while a subnet is chosen and its bridge created, across every data root of the host. */
const HOST_SUBNET_LOCK = '/run/flotilla/net-subnets.lock';

export interface NetworkManagerOptions {
  dataRoot: string;
  /** Upstream resolvers of every network's name server ("ip" or "ip:port"); default: the host's resolv.conf. */
  upstreams?: string[];
  /** The host's resolv.conf (upstreams, search domains); default /etc/resolv.conf. */
  resolvConfPath?: string;
  /** Publish ports through the userland relay only, with no DNAT rules (the kernel path is the default). */
  userlandProxy?: boolean;
}

export interface AttachRequest {
  containerId: string;
  containerName: string;
  /** The container's network namespace: a path (/run/netns/..., /proc/<pid>/ns/net) or a pid. */
  netnsPath?: string;
  pid?: number;
  /** Extra names under which other members find this one: service name, ... (the container name is implied). */
  names?: string[];
  aliases?: string[];
  hostname?: string;
  ipv4Address?: string;
  macAddress?: string;
  /** The container's own DNS servers (compose `dns`): the name server forwards its unknown names there. */
  dns?: string[];
  /** The interface name inside, when the caller knows it is free (a namespace it just made); else the first free ethN. */
  ifName?: string;
}

export class NetworkManager {
  readonly names: HostNames;
  readonly store: NetworkStore;
  readonly firewall: Firewall;
  private readonly ports: PortPublisher;
  private readonly nameServers: NameServers;
  private initialized?: Promise<void>;

  constructor(readonly options: NetworkManagerOptions) {
    this.names = hostNames(options.dataRoot);
    this.store = new NetworkStore(netPaths(options.dataRoot));
    this.firewall = new Firewall(this.names);
    this.ports = new PortPublisher(this.store.paths.run, this.store.paths.helpers, options.userlandProxy ? undefined : this.firewall);
    this.nameServers = new NameServers(this.store, options.resolvConfPath ?? '/etc/resolv.conf');
  }

  private init(): Promise<void> {
    this.initialized ??= this.store.init();
    return this.initialized;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await this.init();
    return this.store.locked(fn);
  }

  private async mustFind(ref: string): Promise<NetworkRecord> {
    const record = await this.store.find(ref);
    if (!record) throw new NotFoundError('network', ref);
    return record;
  }

  // ---------------------------------------------------------------------------------------------- networks

  async createNetwork(spec: NetworkSpec): Promise<NetworkDetails> {
    checkNetworkSpec(spec);
    return this.locked(async () => {
      const all = await this.store.list();
      if (all.some((r) => r.name === spec.name)) throw new ConflictError(`network with name ${spec.name} already exists`, 'network', spec.name);
      // Choosing a subnet and creating the bridge that routes it is one step for the whole host: another data
      // root (another engine, a test) choosing at the same time would otherwise pick the same free subnet.
      await fs.mkdir(dirname(HOST_SUBNET_LOCK), { recursive: true });
      const record = await withLock(HOST_SUBNET_LOCK, async () => {
        const taken = [...(await hostPrefixes()), ...all.map((r) => ({ cidr: v4.parseCidr(r.subnet)!, text: `${r.subnet} (network ${r.name})` }))];
        const plan = planSubnet(spec.ipam?.config ?? [], taken);
        const id = randomBytes(32).toString('hex');
        const record = newNetworkRecord(spec, { id, bridge: this.names.bridge(id), plan, upstreams: this.options.upstreams });
        await this.store.save(record);
        try {
          await this.bringUp(record);
        } catch (err) {
          await this.tearDown(record).catch(() => undefined);
          await this.store.remove(record.id);
          throw err;
        }
        return record;
      });
      return detailsOf(record);
    });
  }

  /** Bridge, firewall rules and name server of a network; idempotent, so it also repairs (e.g. after a reboot). */
  private async bringUp(record: NetworkRecord): Promise<void> {
    const prefix = v4.parseCidr(record.subnet)!.prefix;
    // Derived from the gateway, so a bridge re-created by a repair answers at the address its members cached.
    const mac = v4.macFromIp(v4.parseIp(record.gateway)!);
    await timed('network.bridge', () => createBridge(record.bridge, `${record.gateway}/${prefix}`, `${this.names.linkAliasPrefix}${record.name}`, mac));
    await timed('network.firewall', () => this.firewall.addBridge({ bridge: record.bridge, subnet: record.subnet, gateway: record.gateway, internal: record.internal }));
    await timed('network.name-server', () => this.nameServers.ensure(record));
  }

  /** `rules: false` when the caller removes this root's chains next, and the bridge's rules with them. */
  private async tearDown(record: NetworkRecord, options: { rules?: boolean } = {}): Promise<void> {
    await timed('network.name-server', () => this.nameServers.stop(record.id));
    if (options.rules !== false) await timed('network.firewall', () => this.firewall.removeBridge(record.bridge));
    await timed('network.bridge', () => deleteLink(record.bridge));
  }

  async removeNetwork(ref: string): Promise<void> {
    await this.locked(async () => {
      const record = await this.mustFind(ref);
      const members = Object.values(record.members);
      if (members.length) {
        const names = members.map((m) => m.containerName).join(', ');
        throw new ConflictError(`network ${record.name} has active endpoints (${names})`, 'network', record.name);
      }
      const last = (await this.store.list()).every((r) => r.id === record.id);
      await this.tearDown(record, { rules: !last });
      await this.store.remove(record.id);
      if (last) await timed('network.firewall-chains', () => this.firewall.removeChains());
    });
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    await this.init();
    return (await this.store.list()).map((r) => summaryOf(r));
  }

  async inspectNetwork(ref: string): Promise<NetworkDetails> {
    await this.init();
    return detailsOf(await this.mustFind(ref));
  }

  // ---------------------------------------------------------------------------------------------- endpoints

  async attach(networkRef: string, request: AttachRequest): Promise<Attachment> {
    const netnsPath = request.netnsPath ?? (request.pid ? `/proc/${request.pid}/ns/net` : undefined);
    if (!netnsPath) throw new InvalidRequestError(`attach ${request.containerName}: a network namespace path or pid is needed`);
    if (!existsSync(netnsPath)) throw new NotFoundError('container', request.containerName, { message: `network namespace ${netnsPath} of ${request.containerName} does not exist` });
    if (request.macAddress && !v4.isValidMac(request.macAddress)) throw new InvalidRequestError(`invalid mac_address "${request.macAddress}"`);
    return this.locked(async () => {
      const record = await this.mustFind(networkRef);
      if (record.members[request.containerId]) {
        throw new ConflictError(`container ${request.containerName} is already connected to network ${record.name}`, 'network', record.name);
      }
      const ipAddress = leaseAddress(record, request.containerId, request.ipv4Address);
      const others = (await this.store.list()).filter((r) => r.id !== record.id);
      const hasDefault = others.some((r) => r.members[request.containerId]?.defaultRoute);
      const defaultRoute = !record.internal && !hasDefault;
      const member: MemberRecord = {
        containerId: request.containerId,
        containerName: request.containerName,
        ipAddress,
        mac: (request.macAddress ?? v4.macFromIp(v4.parseIp(ipAddress)!)).toLowerCase(),
        hostVeth: this.names.hostVeth(record.id, request.containerId),
        ifName: request.ifName ?? (await freeInterfaceName(netnsPath)),
        netnsPath,
        names: [...new Set([request.containerName, ...(request.names ?? [])])],
        aliases: request.aliases ?? [],
        ...(request.hostname ? { hostname: request.hostname } : {}),
        ...(request.dns?.length ? { dns: request.dns } : {}),
        defaultRoute,
      };
      await createEndpoint({
        bridge: record.bridge,
        hostVeth: member.hostVeth,
        alias: `${this.names.linkAliasPrefix}${record.name}:${request.containerName.replace(/[^\w.-]/g, '_')}`,
        netnsPath,
        ifName: member.ifName,
        address: ipAddress,
        prefix: v4.parseCidr(record.subnet)!.prefix,
        mac: member.mac,
        ...(defaultRoute ? { defaultGateway: record.gateway } : {}),
      });
      record.members[request.containerId] = member;
      try {
        await this.store.save(record);
        await this.nameServers.ensure(record);
      } catch (err) {
        await deleteLink(member.hostVeth);
        delete record.members[request.containerId];
        await this.store.save(record);
        throw err;
      }
      return attachmentOf(record, member);
    });
  }

  async detach(networkRef: string, containerId: string): Promise<void> {
    await this.locked(async () => {
      const record = await this.mustFind(networkRef);
      const member = record.members[containerId];
      if (!member) throw new NotFoundError('container', containerId, { message: `container ${containerId} is not connected to network ${record.name}` });
      await this.detachMember(record, member);
    });
  }

  private async detachMember(record: NetworkRecord, member: MemberRecord): Promise<void> {
    await deleteLink(member.hostVeth);
    delete record.members[member.containerId];
    await this.store.save(record);
    if (!member.defaultRoute || !existsSync(member.netnsPath)) return;
    // The default route went with the interface: move it to another network of the container that has egress.
    for (const other of await this.store.list()) {
      const next = other.members[member.containerId];
      if (!next || other.internal) continue;
      await setDefaultRoute(next.netnsPath, other.gateway, next.ifName).catch(() => undefined);
      next.defaultRoute = true;
      await this.store.save(other);
      return;
    }
  }

  /** A renamed container answers to its new name (and no longer to the old one) on every network. */
  async renameMember(containerId: string, newName: string): Promise<void> {
    await this.locked(async () => {
      for (const record of await this.store.list()) {
        const m = record.members[containerId];
        if (!m) continue;
        m.names = [...new Set(m.names.map((n) => (n === m.containerName ? newName : n)))];
        m.containerName = newName;
        await this.store.save(record);
      }
    });
  }

  /** The container's attachments, in the order they were made. */
  async attachments(containerId: string): Promise<Attachment[]> {
    await this.init();
    const out: Attachment[] = [];
    for (const record of await this.store.list()) {
      const m = record.members[containerId];
      if (m) out.push(attachmentOf(record, m));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- namespaces

  /**
   * Creates a named namespace for a container (for runc's config.json `linux.namespaces[network].path`).
   * `loopback: false`: the caller attaches an endpoint next, which brings loopback up (see createNamedNetns).
   */
  async createNetns(containerId: string, options: { loopback?: boolean } = {}): Promise<string> {
    const name = this.names.netns(containerId);
    const path = `/run/netns/${name}`;
    if (existsSync(path)) return path;
    return createNamedNetns(name, options);
  }

  /**
   * Detaches the container everywhere and removes its named namespace. Unlike `detach`, no default route is moved
   * to another network: the namespace goes with the interfaces, in one `ip` call.
   */
  async removeNetns(containerId: string): Promise<void> {
    await this.locked(async () => {
      const records = (await this.store.list()).filter((r) => r.members[containerId]);
      await deleteNamedNetns(this.names.netns(containerId), records.map((r) => r.members[containerId]!.hostVeth));
      for (const record of records) {
        delete record.members[containerId];
        await this.store.save(record);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- ports

  publish(containerId: string, ports: PortBinding[], targetIp: string): Promise<PublishedPort[]> {
    return this.init().then(() => this.ports.publish(containerId, ports, targetIp));
  }

  unpublish(containerId: string): Promise<void> {
    return this.init().then(() => this.ports.unpublish(containerId));
  }

  /** Where the container's port proxy keeps its config and status (its supervisor stops it on a final exit). */
  proxyFiles(containerId: string): { config: string; status: string } {
    return this.ports.files(containerId);
  }

  published(containerId: string): Promise<PublishedPort[]> {
    return this.init().then(() => this.ports.published(containerId));
  }

  /** The status of the container's port process (its ports, and whether DNAT rules carry them). */
  publication(containerId: string): Promise<ProxyStatus | undefined> {
    return this.init().then(() => this.ports.status(containerId));
  }

  // ---------------------------------------------------------------------------------------------- container files

  /**
   * A container's resolv.conf, in place: the name server of `network` (its first network) when given, so members'
   * names resolve and `dns` servers become that container's upstreams; else `dns` or the host's servers.
   */
  async writeResolvConf(path: string, options: { network?: string; dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] }): Promise<void> {
    await this.init();
    const nameserver = options.network ? (await this.mustFind(options.network)).gateway : undefined;
    await writeResolvConf(path, {
      ...(nameserver ? { nameserver } : {}),
      ...(options.dns ? { dns: options.dns } : {}),
      ...(options.dnsSearch ? { dnsSearch: options.dnsSearch } : {}),
      ...(options.dnsOptions ? { dnsOptions: options.dnsOptions } : {}),
      ...(this.options.resolvConfPath ? { hostResolvConf: this.options.resolvConfPath } : {}),
    });
  }

  /** A container's hosts file, in place. */
  writeHosts(path: string, options: HostsOptions): Promise<void> {
    return writeHosts(path, options);
  }

  // ---------------------------------------------------------------------------------------------- repair, cleanup

  /**
   * Brings every network back to its recorded state: bridges, rules, name servers (after a reboot, or a helper
   * that died), and forgets members whose namespace is gone. Returns what it repaired. An intact network is left
   * alone: re-adding its rules would briefly drop its traffic, and every command opening the engine repairs.
   */
  async repair(): Promise<string[]> {
    return this.locked(async () => {
      const notes: string[] = [];
      const records = await this.store.list();
      if (!records.length) return notes;
      const stale = await this.ports.removeStaleRules();
      if (stale) notes.push(`removed ${stale} port forwarding rule(s) of port processes that are gone`);
      const links = new Set((await listLinks()).map((l) => l.ifname));
      const rules = await this.firewall.listRules();
      const jumps = await this.firewall.hasJumps();
      for (const record of records) {
        let changed = false;
        for (const m of Object.values(record.members)) {
          if (existsSync(m.netnsPath) && links.has(m.hostVeth)) continue;
          await deleteLink(m.hostVeth);
          delete record.members[m.containerId];
          changed = true;
          notes.push(`network ${record.name}: ${m.containerName} dropped (its namespace or veth is gone)`);
        }
        if (changed) await this.store.save(record);
        const bridgeUp = links.has(record.bridge);
        const rulesUp = jumps && this.firewall.hasBridge(rules, { bridge: record.bridge, subnet: record.subnet, gateway: record.gateway, internal: record.internal });
        if (bridgeUp && rulesUp && (await this.nameServers.running(record.id))) continue;
        if (!bridgeUp) notes.push(`network ${record.name}: bridge ${record.bridge} re-created`);
        else if (!rulesUp) notes.push(`network ${record.name}: firewall rules restored`);
        await this.bringUp(record);
      }
      return notes;
    });
  }

  /** Removes everything of this data root: helpers, veths, bridges, named namespaces, firewall chains, state. */
  async cleanupAll(): Promise<void> {
    await this.init();
    await this.store.locked(() => cleanupRoot(this.names, this.firewall, this.store.paths));
  }
}

export function createNetworkManager(options: NetworkManagerOptions): NetworkManager {
  return new NetworkManager(options);
}
