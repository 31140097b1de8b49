/**
 * Bridges and veth endpoints. A container's end of a veth pair is created directly inside its namespace under
 * its final name (eth0, eth1, ...); the host end joins the network's bridge. Removing the host end removes
 * the pair: that is done before the namespace goes, because a namespace deletion destroys its veths
 * asynchronously and a quick re-create of the same host name would then fail with "File exists".
 */
import { ip, ipBatch, ipJson, isGone } from './host.js';

interface LinkEntry {
  ifname: string;
  ifalias?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string };
}

export async function listLinks(netnsPath?: string): Promise<LinkEntry[]> {
  return ipJson<LinkEntry[]>(['-d', 'link', 'show'], netnsPath);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await listLinks()).some((l) => l.ifname === name);
}

export async function createBridge(name: string, gatewayCidr: string, alias: string): Promise<void> {
  const lines = (await linkExists(name)) ? [] : [`link add name ${name} type bridge`];
  lines.push(`link set dev ${name} alias "${alias}"`);
  await ipBatch(lines);
  // `addr replace` keeps a repair idempotent; the bridge comes up even with no port, so the gateway answers.
  await ipBatch([`addr replace ${gatewayCidr} dev ${name}`, `link set dev ${name} up`]);
}

export async function deleteLink(name: string): Promise<void> {
  try {
    await ip(['link', 'del', 'dev', name]);
  } catch (err) {
    if (!isGone(err)) throw err;
  }
}

/** The first ethN not present in the namespace. */
export async function freeInterfaceName(netnsPath: string): Promise<string> {
  const names = new Set((await listLinks(netnsPath)).map((l) => l.ifname));
  for (let i = 0; ; i++) if (!names.has(`eth${i}`)) return `eth${i}`;
}

export interface EndpointSpec {
  bridge: string;
  hostVeth: string;
  /** ifalias of the host end: names its owner for cleanup. */
  alias: string;
  netnsPath: string;
  ifName: string;
  address: string;
  prefix: number;
  mac: string;
  /** Install the default route through this gateway. */
  defaultGateway?: string;
}

export async function createEndpoint(spec: EndpointSpec): Promise<void> {
  await ip(['link', 'add', spec.hostVeth, 'type', 'veth', 'peer', 'name', spec.ifName, 'netns', spec.netnsPath]);
  try {
    await ipBatch([`link set dev ${spec.hostVeth} alias "${spec.alias}"`, `link set dev ${spec.hostVeth} master ${spec.bridge} up`]);
    const inside = [
      `link set dev ${spec.ifName} address ${spec.mac}`,
      `addr add ${spec.address}/${spec.prefix} dev ${spec.ifName}`,
      `link set dev ${spec.ifName} up`,
      'link set dev lo up',
    ];
    if (spec.defaultGateway) inside.push(`route replace default via ${spec.defaultGateway} dev ${spec.ifName}`);
    await ipBatch(inside, spec.netnsPath);
  } catch (err) {
    await deleteLink(spec.hostVeth); // nothing half-made stays behind
    throw err;
  }
}

/** Points the namespace's default route at a gateway reachable through ifName. */
export async function setDefaultRoute(netnsPath: string, gateway: string, ifName: string): Promise<void> {
  await ipBatch([`route replace default via ${gateway} dev ${ifName}`], netnsPath);
}

/** Named namespaces (`ip netns add`) for containers whose engine pre-creates them. */
export async function createNamedNetns(name: string): Promise<string> {
  await ip(['netns', 'add', name]);
  await ipBatch(['link set dev lo up'], `/run/netns/${name}`);
  return `/run/netns/${name}`;
}

export async function deleteNamedNetns(name: string): Promise<void> {
  // The caller detaches first (see the note at the top): only the namespace is left to remove here.
  try {
    await ip(['netns', 'del', name]);
  } catch (err) {
    if (!isGone(err)) throw err;
  }
}

export async function listNamedNetns(): Promise<string[]> {
  const entries = await ipJson<{ name: string }[]>(['netns', 'list']).catch(() => []);
  return entries.map((e) => e.name);
}
