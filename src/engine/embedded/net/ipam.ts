/**
 * Address management: choosing a network's subnet and gateway, and leasing addresses to members. An automatic
 * subnet is the first /24 of Flotilla's pools that overlaps nothing the host already routes or holds (Docker's
 * bridges, eth0, other Flotilla networks), so a bridge never shadows an existing route.
 */
import { ConflictError, InvalidRequestError, UnsupportedError } from '../../errors.js';
import type { IpamPool } from '../../types.js';
import * as v4 from './ipv4.js';
import type { NetworkRecord } from './store.js';

export interface SubnetPlan {
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
}

/** 10.201.0.0/24 … 10.208.255.0/24: away from Docker's default pools (172.17–31/16, 192.168/16). */
function* automaticCandidates(): Generator<v4.Cidr> {
  for (let second = 201; second <= 208; second++) {
    for (let third = 0; third <= 255; third++) yield { base: v4.parseIp(`10.${second}.${third}.0`)!, prefix: 24 };
  }
}

function parseOrFail(text: string, what: string): v4.Cidr {
  if (text.includes(':')) throw new UnsupportedError(`${what} ${text}: IPv6 is not supported by the embedded engine's networks`);
  const cidr = v4.parseCidr(text);
  if (!cidr) throw new InvalidRequestError(`invalid ${what} "${text}"`);
  return cidr;
}

function addressIn(subnet: v4.Cidr, text: string, what: string): number {
  const ip = v4.parseIp(text);
  if (ip === undefined) throw new InvalidRequestError(`invalid ${what} "${text}"`);
  if (!v4.contains(subnet, ip)) throw new InvalidRequestError(`${what} ${text} is not in subnet ${v4.formatCidr(subnet)}`);
  return ip;
}

/**
 * Subnet, gateway, range and reserved addresses of a new network. `taken` lists the prefixes in use on the host
 * and by other Flotilla networks.
 */
export function planSubnet(pools: IpamPool[], taken: { cidr: v4.Cidr; text: string }[]): SubnetPlan {
  const v4Pools = pools.filter((p) => {
    if (p.subnet?.includes(':') || p.gateway?.includes(':') || p.ipRange?.includes(':')) {
      throw new UnsupportedError(`IPAM subnet ${p.subnet ?? p.ipRange}: IPv6 is not supported by the embedded engine's networks`);
    }
    return true;
  });
  if (v4Pools.length > 1) throw new UnsupportedError('the embedded engine supports one IPAM pool per network');
  const pool = v4Pools[0] ?? {};
  if (!pool.subnet && (pool.ipRange || pool.gateway)) throw new InvalidRequestError('an IPAM ip_range or gateway needs a subnet');

  let subnet: v4.Cidr;
  if (pool.subnet) {
    subnet = parseOrFail(pool.subnet, 'subnet');
    if (subnet.prefix > 30) throw new InvalidRequestError(`subnet ${pool.subnet} is too small: at most /30`);
    const clash = taken.find((t) => v4.overlaps(t.cidr, subnet));
    if (clash) throw new ConflictError(`subnet ${pool.subnet} overlaps ${clash.text}, already in use on this host`, 'network', pool.subnet);
  } else {
    let found: v4.Cidr | undefined;
    for (const candidate of automaticCandidates()) {
      if (!taken.some((t) => v4.overlaps(t.cidr, candidate))) {
        found = candidate;
        break;
      }
    }
    if (!found) throw new ConflictError('no free subnet left in 10.201.0.0–10.208.255.0/24; remove unused networks', 'network', 'auto');
    subnet = found;
  }
  const network = subnet.base;
  const broadcast = v4.lastAddress(subnet);
  const gateway = pool.gateway ? addressIn(subnet, pool.gateway, 'gateway') : network + 1;
  if (gateway === network || gateway === broadcast) throw new InvalidRequestError(`gateway ${v4.formatIp(gateway)} is the network or broadcast address`);
  let ipRange: string | undefined;
  if (pool.ipRange) {
    const range = parseOrFail(pool.ipRange, 'ip_range');
    if (!v4.within(range, subnet)) throw new InvalidRequestError(`ip_range ${pool.ipRange} is not inside subnet ${v4.formatCidr(subnet)}`);
    ipRange = v4.formatCidr(range);
  }
  const auxAddresses: Record<string, string> = {};
  for (const [name, addr] of Object.entries(pool.auxAddresses ?? {})) {
    auxAddresses[name] = v4.formatIp(addressIn(subnet, addr, `aux address ${name}`));
  }
  return { subnet: v4.formatCidr(subnet), gateway: v4.formatIp(gateway), ...(ipRange ? { ipRange } : {}), auxAddresses };
}

function reserved(record: NetworkRecord, exceptContainer?: string): Set<number> {
  const subnet = v4.parseCidr(record.subnet)!;
  const set = new Set<number>([subnet.base, v4.lastAddress(subnet), v4.parseIp(record.gateway)!]);
  for (const addr of Object.values(record.auxAddresses)) set.add(v4.parseIp(addr)!);
  for (const member of Object.values(record.members)) {
    if (member.containerId !== exceptContainer) set.add(v4.parseIp(member.ipAddress)!);
  }
  return set;
}

/** The requested address if free, else the lowest free one of the range (or subnet). */
export function leaseAddress(record: NetworkRecord, containerId: string, requested?: string): string {
  const subnet = v4.parseCidr(record.subnet)!;
  const used = reserved(record, containerId);
  if (requested) {
    const ip = addressIn(subnet, requested, 'ipv4_address');
    if (used.has(ip)) throw new ConflictError(`address ${requested} is already in use on network ${record.name}`, 'network', record.name);
    return v4.formatIp(ip);
  }
  const range = record.ipRange ? v4.parseCidr(record.ipRange)! : subnet;
  for (let ip = range.base, last = v4.lastAddress(range); ip <= last; ip++) {
    if (!used.has(ip >>> 0)) return v4.formatIp(ip >>> 0);
  }
  throw new ConflictError(`no free address left on network ${record.name} (${record.ipRange ?? record.subnet})`, 'network', record.name);
}
