/**
 * Networking left behind by containers that no longer exist: a command killed in the middle of a create leaves a
 * namespace, endpoints (veths, addresses, names) and maybe a port proxy with no container record. Found from what
 * the host and the network records show, removed at every engine start. Caller holds the engine lock.
 */
import { promises as fs } from 'node:fs';
import type { NetworkManager } from '../net/index.js';
import { deleteNamedNetns, listNamedNetns } from '../net/links.js';
import { removeDefaultNetworkIfUnused } from './networking.js';
import type { ContainerRecord } from './record.js';

export async function recoverNetworking(net: NetworkManager, records: ContainerRecord[]): Promise<string[]> {
  const notes: string[] = [];
  const known = new Set(records.map((r) => r.id));
  const orphans = new Set<string>();
  for (const network of await net.listNetworks()) {
    for (const id of Object.keys((await net.inspectNetwork(network.id)).containers)) if (!known.has(id)) orphans.add(id);
  }
  for (const name of await fs.readdir(net.store.paths.run).catch(() => [] as string[])) {
    const id = /^proxy-([a-f0-9]{64})\.json$/.exec(name)?.[1];
    if (id && !known.has(id)) orphans.add(id);
  }
  for (const id of orphans) {
    await net.unpublish(id);
    await net.removeNetns(id);
    notes.push(`removed the networking of container ${id.slice(0, 12)}, which no longer exists`);
  }
  // A namespace is named after the first 16 characters of its container's id.
  const prefixes = new Set(records.map((r) => net.names.netns(r.id)));
  for (const ns of await listNamedNetns()) {
    if (!ns.startsWith(net.names.netnsPrefix) || prefixes.has(ns)) continue;
    await deleteNamedNetns(ns);
    notes.push(`removed network namespace ${ns} of a container that no longer exists`);
  }
  await removeDefaultNetworkIfUnused(net);
  return notes;
}
