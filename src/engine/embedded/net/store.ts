/**
 * Network state on disk: one JSON record per network (its bridge, subnet, leases and members), written atomically
 * under a lock. The DNS responder of a network reads the same record, so a member is resolvable as soon as the
 * record naming it is written.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { withLock } from '../state/lock.js';
import { readJson, writeJsonAtomic } from '../state/files.js';

export interface MemberRecord {
  containerId: string;
  containerName: string;
  ipAddress: string;
  mac: string;
  /** Host end of the veth pair (the container end is ifName inside netnsPath). */
  hostVeth: string;
  ifName: string;
  netnsPath: string;
  /** Names that resolve to this member: container name, service name, short id, ... */
  names: string[];
  aliases: string[];
  hostname?: string;
  /** The container's own upstream servers (compose `dns`), used for names the network does not know. */
  dns?: string[];
  /** Whether this attachment installed the container's default route. */
  defaultRoute: boolean;
}

export interface NetworkRecord {
  id: string;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  driverOpts: Record<string, string>;
  ipamDriver: string;
  ipamOptions: Record<string, string>;
  /** ms since the epoch. */
  created: number;
  /** Upstream resolvers ("ip" or "ip:port"); absent means the host's /etc/resolv.conf, read when needed. */
  upstreams?: string[];
  members: Record<string, MemberRecord>;
}

export interface NetPaths {
  root: string;
  lock: string;
  networks: string;
  /** Helper processes' configs, status files, logs. */
  run: string;
  /** Helper scripts bundled from sources (tests). */
  helpers: string;
}

export function netPaths(dataRoot: string): NetPaths {
  const root = join(resolve(dataRoot), 'net');
  return { root, lock: join(root, 'lock'), networks: join(root, 'networks'), run: join(root, 'run'), helpers: join(root, 'helpers') };
}

export class NetworkStore {
  constructor(readonly paths: NetPaths) {}

  async init(): Promise<void> {
    for (const dir of [this.paths.networks, this.paths.run, this.paths.helpers]) await fs.mkdir(dir, { recursive: true, mode: 0o711 });
  }

  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.paths.lock, fn);
  }

  recordPath(id: string): string {
    return join(this.paths.networks, `${id}.json`);
  }

  async list(): Promise<NetworkRecord[]> {
    const names = await fs.readdir(this.paths.networks).catch(() => [] as string[]);
    const records: NetworkRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const record = await readJson<NetworkRecord>(join(this.paths.networks, name)).catch(() => undefined);
      if (record) records.push(record);
    }
    return records.sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
  }

  /** By exact name, full id, or unique id prefix (as Docker resolves network references). */
  async find(ref: string): Promise<NetworkRecord | undefined> {
    const all = await this.list();
    const exact = all.find((r) => r.name === ref || r.id === ref);
    if (exact) return exact;
    const byPrefix = ref.length >= 3 ? all.filter((r) => r.id.startsWith(ref)) : [];
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  save(record: NetworkRecord): Promise<void> {
    return writeJsonAtomic(this.recordPath(record.id), record);
  }

  async remove(id: string): Promise<void> {
    await fs.rm(this.recordPath(id), { force: true });
  }
}
