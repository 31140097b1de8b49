/**
 * A container's networking, between the container records and the network manager: which namespace it gets
 * (the host's, loopback only, a named one on bridges, or another container's), attaching its endpoints, its
 * /etc/hosts and resolv.conf, and its published ports around start and stop. The named namespace outlives the
 * container's process, so a restart (by policy or by hand) keeps its addresses and its port proxy target.
 */
import { existsSync } from 'node:fs';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { ContainerSpec, NetworkAttachment } from '../../types.js';
import type { Attachment, NetworkManager } from '../net/index.js';
import type { ContainerFiles } from '../state/paths.js';
import type { ContainerNetwork, ContainerRecord, EndpointConfig } from './record.js';
import type { ContainerStore } from './store.js';
import { timed } from '../timing.js';

/** The network of containers that name none (Docker's "bridge"), created on demand, removed once empty. */
export const DEFAULT_NETWORK = 'bridge';
export const DEFAULT_NETWORK_LABEL = 'dev.flotilla.embedded.default-network';
const SERVICE_LABEL = 'com.docker.compose.service';

export interface NetDeps {
  net: NetworkManager;
  containers: ContainerStore;
}

/** What a container needs to be created with the networking it asked for. */
export interface NetworkSetup {
  network: ContainerNetwork;
  hostNetwork: boolean;
  /** The namespace to join (runc `linux.namespaces[network].path`); absent: runc makes one (or host). */
  netnsPath?: string;
  /** mode container: the container whose /etc files are shared. */
  shareEtcOf?: ContainerRecord;
}

type Mode = { kind: 'host' } | { kind: 'none' } | { kind: 'container'; ref: string } | { kind: 'bridge' };

function modeOf(spec: ContainerSpec): Mode {
  const mode = spec.networkMode ?? '';
  if (mode === 'host') return { kind: 'host' };
  if (mode === 'none') return { kind: 'none' };
  if (mode.startsWith('container:')) return { kind: 'container', ref: mode.slice('container:'.length) };
  return { kind: 'bridge' };
}

/** Networks asked for, higher priority first (ties keep the spec's order). */
function requestedAttachments(spec: ContainerSpec): NetworkAttachment[] {
  if (spec.networks?.length) {
    return spec.networks
      .map((n, i) => ({ n, i }))
      .sort((a, b) => (b.n.priority ?? 0) - (a.n.priority ?? 0) || a.i - b.i)
      .map(({ n }) => n);
  }
  const mode = spec.networkMode ?? '';
  return [{ network: mode === '' || mode === 'default' ? DEFAULT_NETWORK : mode }];
}

async function findOrCreateNetwork(net: NetworkManager, name: string): Promise<{ id: string; name: string }> {
  try {
    return await net.inspectNetwork(name);
  } catch (err) {
    if (!(err instanceof NotFoundError) || name !== DEFAULT_NETWORK) throw err;
  }
  try {
    return await net.createNetwork({ name, labels: { [DEFAULT_NETWORK_LABEL]: 'true' } });
  } catch (err) {
    // Another process created it meanwhile.
    if (err instanceof ConflictError) return net.inspectNetwork(name);
    throw err;
  }
}

/** Removes the on-demand default network once no container uses it. */
export async function removeDefaultNetworkIfUnused(net: NetworkManager): Promise<void> {
  const details = await net.inspectNetwork(DEFAULT_NETWORK).catch(() => undefined);
  if (!details || details.labels[DEFAULT_NETWORK_LABEL] !== 'true' || Object.keys(details.containers).length) return;
  await net.removeNetwork(details.id).catch(() => undefined);
}

function attachRequest(record: Pick<ContainerRecord, 'id' | 'name' | 'spec'>, hostname: string, netnsPath: string, e: EndpointConfig) {
  const service = record.spec.labels?.[SERVICE_LABEL];
  return {
    containerId: record.id,
    containerName: record.name,
    netnsPath,
    names: service ? [service] : [],
    aliases: e.aliases,
    hostname,
    ...(e.ipv4Address ? { ipv4Address: e.ipv4Address } : {}),
    ...(e.macAddress ? { macAddress: e.macAddress } : {}),
    ...(record.spec.dns?.length ? { dns: record.spec.dns } : {}),
  };
}

/** Resolves the namespace of `container:<ref>`, following a chain of such modes. */
async function joinedNamespace(deps: NetDeps, ref: string): Promise<{ target: ContainerRecord; hostNetwork: boolean; netnsPath?: string }> {
  let target = await deps.containers.find(ref);
  for (let hops = 0; target?.network?.mode === 'container' && hops < 8; hops++) target = await deps.containers.find(target.network.container!);
  if (!target) throw new NotFoundError('container', ref, { message: `network mode container:${ref}: no such container` });
  const mode = target.network?.mode ?? (target.hostNetwork ? 'host' : 'none');
  if (mode === 'host') return { target, hostNetwork: true };
  if (mode === 'bridge') return { target, hostNetwork: false, netnsPath: target.network!.netnsPath };
  // A namespace runc made for a loopback-only container exists only while that container runs.
  const observed = await deps.containers.observe(target);
  if (observed.state !== 'running' && observed.state !== 'paused') {
    throw new ConflictError(`network mode container:${ref}: container ${target.name} is not running`, 'container', target.id);
  }
  return { target, hostNetwork: false, netnsPath: `/proc/${observed.runtime.pid}/ns/net` };
}

/**
 * The namespace and endpoints of a new container: for bridge mode its named namespace is created and every
 * network attached (the caller removes the namespace if the create fails later).
 */
export async function setUpNetwork(deps: NetDeps, record: Pick<ContainerRecord, 'id' | 'name' | 'spec'>, hostname: string): Promise<NetworkSetup> {
  const mode = modeOf(record.spec);
  if (mode.kind === 'host') return { network: { mode: 'host', endpoints: [] }, hostNetwork: true };
  if (mode.kind === 'none') return { network: { mode: 'none', endpoints: [] }, hostNetwork: false };
  if (mode.kind === 'container') {
    const joined = await joinedNamespace(deps, mode.ref);
    return {
      network: { mode: 'container', container: joined.target.id, endpoints: [] },
      hostNetwork: joined.hostNetwork,
      ...(joined.netnsPath ? { netnsPath: joined.netnsPath } : {}),
      shareEtcOf: joined.target,
    };
  }
  const endpoints: EndpointConfig[] = [];
  for (const [index, wanted] of requestedAttachments(record.spec).entries()) {
    const network = await findOrCreateNetwork(deps.net, wanted.network);
    if (endpoints.some((e) => e.networkId === network.id)) continue;
    const mac = wanted.macAddress ?? (index === 0 ? record.spec.macAddress : undefined);
    endpoints.push({
      networkId: network.id,
      networkName: network.name,
      aliases: [...new Set(wanted.aliases ?? [])],
      ...(wanted.ipv4Address ? { ipv4Address: wanted.ipv4Address } : {}),
      ...(mac ? { macAddress: mac } : {}),
    });
  }
  // A new container's namespace is new: its interfaces are eth0, eth1, ... in order (no need to list them), and the
  // first attach brings loopback up.
  const netnsPath = await timed('create.netns', () => deps.net.createNetns(record.id, { loopback: endpoints.length === 0 }));
  for (const [i, e] of endpoints.entries()) {
    await timed('create.attach', () => deps.net.attach(e.networkId, { ...attachRequest(record, hostname, netnsPath, e), ifName: `eth${i}` }));
  }
  return { network: { mode: 'bridge', netnsPath, endpoints }, hostNetwork: false, netnsPath };
}

/** The container's attachments in its endpoint order (the first one carries the default route and the ports). */
export async function orderedAttachments(net: NetworkManager, record: ContainerRecord): Promise<Attachment[]> {
  const all = await net.attachments(record.id);
  const order = (record.network?.endpoints ?? []).map((e) => e.networkId);
  const rank = (a: Attachment) => (order.includes(a.networkId) ? order.indexOf(a.networkId) : order.length);
  return all.sort((a, b) => rank(a) - rank(b));
}

/** `links` of the first network ("container:alias") as hosts entries, for the linked containers attached there. */
async function linkEntries(deps: NetDeps, record: ContainerRecord, first: Attachment | undefined): Promise<string[]> {
  const links = record.spec.networks?.find((n) => n.network === first?.network || n.network === first?.networkId)?.links ?? [];
  const entries: string[] = [];
  for (const link of links) {
    const [target, alias = target] = link.split(':');
    const linked = target ? await deps.containers.find(target) : undefined;
    if (!linked || !first) continue;
    const peer = (await deps.net.attachments(linked.id)).find((a) => a.networkId === first.networkId);
    if (!peer) continue;
    entries.push(`${alias}:${peer.ipAddress}`);
    if (alias !== linked.name) entries.push(`${linked.name}:${peer.ipAddress}`);
  }
  return entries;
}

/** Rewrites a bridged container's hosts and resolv.conf (in place: they are bind-mounted). */
export async function writeNetworkFiles(deps: NetDeps, record: ContainerRecord, files: ContainerFiles): Promise<void> {
  const attachments = await orderedAttachments(deps.net, record);
  const first = attachments[0];
  const spec = record.spec;
  await deps.net.writeHosts(files.hosts, {
    hostname: record.config.hostname,
    ...(spec.domainname ? { domainname: spec.domainname } : {}),
    addresses: attachments.map((a) => a.ipAddress),
    extraHosts: [...(spec.extraHosts ?? []), ...(await linkEntries(deps, record, first))],
    ...(first ? { hostGatewayIp: first.gateway } : {}),
  });
  await deps.net.writeResolvConf(files.resolvConf, {
    ...(first ? { network: first.networkId } : {}),
    ...(spec.dns?.length ? { dns: spec.dns } : {}),
    ...(spec.dnsSearch?.length ? { dnsSearch: spec.dnsSearch } : {}),
    ...(spec.dnsOptions?.length ? { dnsOptions: spec.dnsOptions } : {}),
  });
}

/**
 * Before a bridged container starts: its namespace and endpoints are there (re-made after a reboot emptied
 * /run), then its ports are published towards its first address. Returns whether ports were published.
 */
export async function prepareStart(deps: NetDeps, record: ContainerRecord, locked: <R>(fn: () => Promise<R>) => Promise<R>): Promise<boolean> {
  const network = record.network;
  if (network?.mode !== 'bridge') return false;
  const attached = new Set((await deps.net.attachments(record.id)).map((a) => a.networkId));
  if (!existsSync(network.netnsPath!) || network.endpoints.some((e) => !attached.has(e.networkId))) {
    await locked(async () => {
      const netnsPath = await deps.net.createNetns(record.id);
      const now = new Set((await deps.net.attachments(record.id)).map((a) => a.networkId));
      for (const e of network.endpoints) {
        if (now.has(e.networkId)) continue;
        const current = await deps.net.inspectNetwork(e.networkId).catch(() => undefined) ?? (await findOrCreateNetwork(deps.net, e.networkName));
        e.networkId = current.id;
        await deps.net.attach(current.id, attachRequest(record, record.config.hostname, netnsPath, e));
      }
      await deps.containers.save({ ...record, network: { ...network, netnsPath } });
      await writeNetworkFiles(deps, record, deps.containers.files(record.id));
    });
  }
  return publishPorts(deps, record);
}

/** Publishes (again) the container's ports towards its first address; false when it has none to publish. */
export async function publishPorts(deps: NetDeps, record: ContainerRecord): Promise<boolean> {
  const ports = record.spec.ports ?? [];
  if (record.network?.mode !== 'bridge' || !ports.length) return false;
  const first = (await orderedAttachments(deps.net, record))[0];
  if (!first) {
    await deps.net.unpublish(record.id);
    return false;
  }
  await deps.net.publish(record.id, ports, first.ipAddress);
  return true;
}

/** After the container stopped (or failed to start): its host ports are free again. */
export async function releasePorts(deps: NetDeps, record: ContainerRecord): Promise<void> {
  if (record.network?.mode === 'bridge' && record.spec.ports?.length) await deps.net.unpublish(record.id);
}

/** When the container is removed: its proxy, endpoints and namespace. */
export async function tearDownNetwork(deps: NetDeps, record: Pick<ContainerRecord, 'id' | 'network'>): Promise<void> {
  if (record.network?.mode !== 'bridge') return;
  await deps.net.unpublish(record.id);
  await deps.net.removeNetns(record.id);
  await removeDefaultNetworkIfUnused(deps.net);
}
