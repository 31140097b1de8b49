/**
 * Bridges and veth endpoints. A container's end of a veth pair is created directly inside its namespace under
 * its final name (eth0, eth1, ...); the host end joins the network's bridge. Removing the host end removes
 * the pair: that is done before the namespace goes, because a namespace deletion destroys its veths
 * asynchronously and a quick re-create of the same host name would then fail with "File exists".
 */
import { failedBatchLine, HostCommandError, ip, ipBatch, ipJson, isGone } from './host.js';

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

/**
 * `mac` is given at creation: a bridge without an address of its own takes the lowest address of its ports and
 * changes it whenever such a port joins or leaves. Members keep the gateway's old address in their neighbour
 * cache, and the bridge drops frames to it (name server and egress unreachable until that entry expires).
 */
export async function createBridge(name: string, gatewayCidr: string, alias: string, mac: string): Promise<void> {
  const lines = (await linkExists(name)) ? [] : [`link add name ${name} address ${mac} type bridge`];
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

/**
 * Two `ip` processes: one on the host makes the pair (the container end created in the namespace with its name
 * and MAC) and puts the host end on the bridge; one inside addresses it, brings it and loopback up, and routes.
 * The bridge port is in hairpin mode: a member's connection to its own published port is DNATed back to it by the
 * host, and the bridge must then send the frame out of the port it came in on.
 */
export async function createEndpoint(spec: EndpointSpec): Promise<void> {
  await ipBatch([
    `link add ${spec.hostVeth} type veth peer name ${spec.ifName} address ${spec.mac} netns ${spec.netnsPath}`,
    `link set dev ${spec.hostVeth} alias "${spec.alias}"`,
    `link set dev ${spec.hostVeth} master ${spec.bridge} up`,
    `link set dev ${spec.hostVeth} type bridge_slave hairpin on`,
  ]).catch(async (err: unknown) => {
    // A failed first line made nothing (and the name may be someone else's): only a later failure cleans up.
    if (failedBatchLine(err) !== 1) await deleteLink(spec.hostVeth);
    throw err;
  });
  try {
    const inside = [
      'link set dev lo up',
      `addr add ${spec.address}/${spec.prefix} dev ${spec.ifName}`,
      `link set dev ${spec.ifName} up`,
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

/**
 * Named namespaces (`ip netns add`) for containers whose engine pre-creates them. `loopback: false` leaves lo
 * down for a caller that attaches an endpoint right away (createEndpoint brings it up): one process less.
 */
export async function createNamedNetns(name: string, options: { loopback?: boolean } = {}): Promise<string> {
  await ip(['netns', 'add', name]);
  if (options.loopback !== false) await ipBatch(['link set dev lo up'], `/run/netns/${name}`);
  return `/run/netns/${name}`;
}

/**
 * Removes host ends of veths (`hostVeths`, see the note at the top for why first) and then the named namespace,
 * in one `ip` process; when that fails (something already gone), one by one, tolerating what is gone.
 */
export async function deleteNamedNetns(name: string, hostVeths: string[] = []): Promise<void> {
  try {
    await ipBatch([...hostVeths.map((v) => `link del dev ${v}`), `netns del ${name}`]);
    return;
  } catch (err) {
    if (!(err instanceof HostCommandError)) throw err;
  }
  for (const veth of hostVeths) await deleteLink(veth);
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
