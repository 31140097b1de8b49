/** Network records as the Engine interface shows them (Docker's shapes: addresses with their prefix length). */
import type { NetworkDetails, NetworkSummary } from '../../types.js';
import * as v4 from './ipv4.js';
import type { MemberRecord, NetworkRecord } from './store.js';

export interface Attachment {
  network: string;
  networkId: string;
  ipAddress: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  /** Interface name inside the container. */
  ifName: string;
  aliases: string[];
  /** Whether the container's default route goes through this network. */
  defaultRoute: boolean;
}

export function attachmentOf(record: NetworkRecord, m: MemberRecord): Attachment {
  return {
    network: record.name,
    networkId: record.id,
    ipAddress: m.ipAddress,
    prefixLength: v4.parseCidr(record.subnet)!.prefix,
    gateway: record.gateway,
    mac: m.mac,
    ifName: m.ifName,
    aliases: m.aliases,
    defaultRoute: m.defaultRoute,
  };
}

export function summaryOf(r: NetworkRecord): NetworkSummary {
  return { id: r.id, name: r.name, driver: 'bridge', scope: 'local', internal: r.internal, labels: r.labels, created: r.created };
}

export function detailsOf(r: NetworkRecord): NetworkDetails {
  const prefix = v4.parseCidr(r.subnet)!.prefix;
  const pool = {
    subnet: r.subnet,
    gateway: r.gateway,
    ...(r.ipRange ? { ipRange: r.ipRange } : {}),
    ...(Object.keys(r.auxAddresses).length ? { auxAddresses: r.auxAddresses } : {}),
  };
  const containers: NetworkDetails['containers'] = {};
  for (const m of Object.values(r.members)) containers[m.containerId] = { name: m.containerName, ipv4Address: `${m.ipAddress}/${prefix}`, macAddress: m.mac };
  return {
    ...summaryOf(r),
    driverOpts: r.driverOpts,
    enableIpv6: false,
    attachable: r.attachable,
    ipam: { driver: r.ipamDriver, config: [pool], options: r.ipamOptions },
    containers,
  };
}
