/**
 * A networked container's /etc/resolv.conf and /etc/hosts. Both are bind-mounted into the container, and a bind
 * mount pins the inode: they are rewritten in place (open, truncate, write), never replaced by a rename, or the
 * container would keep seeing the old content.
 */
import { promises as fs } from 'node:fs';

/** The lines every container's hosts file starts with, as Docker writes them. */
export const LOCALHOST_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export interface ResolvConfOptions {
  /** The name server: the first network's gateway (its DNS responder). Absent: `dns` or the host's servers. */
  nameserver?: string;
  /** Servers for a container without a network name server (with one, they are its upstreams instead). */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** The host's resolv.conf, for search domains and options (and servers when there is no name server). */
  hostResolvConf?: string;
}

export async function resolvConfText(options: ResolvConfOptions): Promise<string> {
  const host = await fs.readFile(options.hostResolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => '');
  const hostLines = host.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';'));
  const field = (key: string) => hostLines.filter((l) => l.startsWith(`${key} `) || l.startsWith(`${key}\t`)).map((l) => l.slice(key.length).trim());
  let servers: string[];
  if (options.nameserver) servers = [options.nameserver];
  else if (options.dns?.length) servers = options.dns;
  // The host's loopback resolvers are unreachable from a container's own namespace.
  else servers = field('nameserver').filter((s) => !/^(127\.|::1$)/.test(s));
  const search = options.dnsSearch ?? field('search').flatMap((s) => s.split(/\s+/));
  const opts = options.dnsOptions ?? field('options').flatMap((s) => s.split(/\s+/));
  // Like Docker on user networks: single-label names (service names) go to the name server as they are first.
  if (options.nameserver && !opts.some((o) => o.startsWith('ndots:'))) opts.unshift('ndots:0');
  const lines = servers.map((s) => `nameserver ${s}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (opts.length) lines.push(`options ${opts.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Writes resolv.conf in place. */
export async function writeResolvConf(path: string, options: ResolvConfOptions): Promise<void> {
  await fs.writeFile(path, await resolvConfText(options));
}

export interface HostsOptions {
  hostname: string;
  domainname?: string;
  /** The container's own addresses (one per network), each mapped to its hostname. */
  addresses: string[];
  /** "name:ip" or "name=ip"; "host-gateway" as the address means hostGatewayIp. */
  extraHosts?: string[];
  hostGatewayIp?: string;
}

export function hostsText(options: HostsOptions): string {
  const names = options.domainname ? `${options.hostname}.${options.domainname}\t${options.hostname}` : options.hostname;
  const lines = [...LOCALHOST_LINES];
  for (const address of options.addresses) lines.push(`${address}\t${names}`);
  if (!options.addresses.length) lines.push(`127.0.0.1\t${names}`);
  for (const entry of options.extraHosts ?? []) {
    const host = parseExtraHost(entry);
    if (!host) continue;
    const ip = host.ip === 'host-gateway' ? options.hostGatewayIp : host.ip;
    if (ip) lines.push(`${ip}\t${host.name}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * An `extra_hosts` entry, "name:ip" (docker) or "name=ip" (compose long form); IPv6 addresses contain colons,
 * so "name:ip" splits on the first one, and brackets around the address go. `ip` may be `host-gateway`.
 */
export function parseExtraHost(entry: string): { name: string; ip: string } | undefined {
  const sep = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
  if (sep <= 0) return undefined;
  const name = entry.slice(0, sep).trim();
  const ip = entry.slice(sep + 1).trim().replace(/^\[(.*)\]$/, '$1');
  return name && ip ? { name, ip } : undefined;
}

/** Writes hosts in place. */
export async function writeHosts(path: string, options: HostsOptions): Promise<void> {
  await fs.writeFile(path, hostsText(options));
}
