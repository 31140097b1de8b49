/**
 * The name server of one network: a detached process bound to the bridge's gateway address, port 53 (UDP and
 * TCP). It answers A queries for the names of the network's members (service and container names, aliases,
 * hostnames, short ids), several members under one name in rotating order, and relays every other query to the
 * member's own `dns` servers or the network's upstreams (default: the host's /etc/resolv.conf).
 * The member table is the network's record: it is re-read whenever the file changed, checked on every query, so a
 * container is resolvable as soon as the record naming it is written. Exits when the record is removed.
 *
 * Usage: node dns-main.js <config.json>, config = DnsConfig.
 */
import dgram from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { writeJsonAtomicSync } from '../state/files.js';
import { buildFormatError, buildResponse, CLASS_IN, parseQuery, RCODE, TYPE_A, type Question } from './dns-wire.js';
import type { NetworkRecord } from './store.js';

export interface DnsConfig {
  recordPath: string;
  gateway: string;
  statusPath: string;
  /** Where upstreams come from when the record names none. */
  resolvConfPath: string;
}

const UPSTREAM_TIMEOUT_MS = 2000;
const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DnsConfig;

interface Table {
  key: string;
  names: Map<string, string[]>;
  /** Member address → its own upstream servers. */
  memberDns: Map<string, string[]>;
  upstreams?: string[];
}
let table: Table = { key: '', names: new Map(), memberDns: new Map() };
let rotation = 0;

function addName(names: Map<string, string[]>, name: string | undefined, ip: string): void {
  if (!name) return;
  const key = name.toLowerCase().replace(/\.$/, '');
  const list = names.get(key) ?? [];
  if (!list.includes(ip)) list.push(ip);
  names.set(key, list);
}

/** The current table; undefined once the network's record is gone (the network was removed). */
function currentTable(): Table | undefined {
  let stat;
  try {
    stat = statSync(config.recordPath);
  } catch {
    return undefined;
  }
  // Read on every query: the record is small, and a cache keyed on file metadata can miss a rewrite (inode
  // numbers are reused, and two writes can share an mtime and a size).
  const key = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  try {
    const record = JSON.parse(readFileSync(config.recordPath, 'utf8')) as NetworkRecord;
    const names = new Map<string, string[]>();
    const memberDns = new Map<string, string[]>();
    for (const m of Object.values(record.members)) {
      for (const name of [...m.names, ...m.aliases, m.hostname, m.containerName, m.containerId.slice(0, 12)]) addName(names, name, m.ipAddress);
      if (m.dns?.length) memberDns.set(m.ipAddress, m.dns);
    }
    table = { key, names, memberDns, ...(record.upstreams ? { upstreams: record.upstreams } : {}) };
  } catch {
    // Mid-write by another process cannot happen (atomic rename); a broken file keeps the last good table.
  }
  return table;
}

function hostUpstreams(): string[] {
  try {
    return readFileSync(config.resolvConfPath, 'utf8')
      .split('\n')
      .map((l) => l.trim().match(/^nameserver\s+(\S+)/)?.[1])
      .filter((s): s is string => !!s && s !== config.gateway);
  } catch {
    return [];
  }
}

function splitServer(server: string): { host: string; port: number } {
  const m = server.match(/^\[?([^\]]+?)\]?(?::(\d+))?$/);
  if (server.includes(':') && !server.includes('.')) return { host: server, port: 53 }; // bare IPv6
  return { host: m?.[1] ?? server, port: m?.[2] ? Number(m[2]) : 53 };
}

function upstreamsFor(t: Table, client: string): string[] {
  return t.memberDns.get(client) ?? t.upstreams ?? hostUpstreams();
}

function forwardUdp(query: Buffer, servers: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const tryNext = (i: number): void => {
      if (i >= servers.length) return resolve(undefined);
      const { host, port } = splitServer(servers[i]!);
      const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      const timer = setTimeout(() => { socket.close(); tryNext(i + 1); }, UPSTREAM_TIMEOUT_MS);
      socket.on('message', (msg) => { clearTimeout(timer); socket.close(); resolve(msg); });
      socket.on('error', () => { clearTimeout(timer); socket.close(); tryNext(i + 1); });
      socket.send(query, port, host);
    };
    tryNext(0);
  });
}

function forwardTcp(query: Buffer, servers: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const tryNext = (i: number): void => {
      if (i >= servers.length) return resolve(undefined);
      const { host, port } = splitServer(servers[i]!);
      const socket = net.connect({ host, port });
      let data = Buffer.alloc(0);
      const fail = (): void => { socket.destroy(); tryNext(i + 1); };
      socket.setTimeout(UPSTREAM_TIMEOUT_MS, fail);
      socket.on('error', fail);
      socket.on('connect', () => socket.write(Buffer.concat([lengthPrefix(query.length), query])));
      socket.on('data', (chunk) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          socket.removeAllListeners('error');
          socket.on('error', () => undefined);
          socket.destroy();
          resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
        }
      });
    };
    tryNext(0);
  });
}

function lengthPrefix(length: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(length, 0);
  return b;
}

/** The answer to one query, local or relayed. `tcp` picks the relay transport (a truncated UDP answer stays truncated). */
async function answer(query: Buffer, client: string, tcp: boolean): Promise<Buffer> {
  const q: Question | undefined = parseQuery(query);
  if (!q) return buildFormatError(query);
  if (q.opcode !== 0) return buildResponse(query, q, RCODE.notImp);
  const t = currentTable();
  if (!t) return buildResponse(query, q, RCODE.refused);
  const known = q.qclass === CLASS_IN ? t.names.get(q.name) : undefined;
  if (known) {
    if (q.type !== TYPE_A) return buildResponse(query, q, RCODE.noError); // the name exists, without that record type
    const start = rotation++ % known.length; // round-robin across replicas
    return buildResponse(query, q, RCODE.noError, [...known.slice(start), ...known.slice(0, start)]);
  }
  const servers = upstreamsFor(t, client);
  const relayed = servers.length ? await (tcp ? forwardTcp(query, servers) : forwardUdp(query, servers)) : undefined;
  return relayed ?? buildResponse(query, q, RCODE.servFail);
}

function writeStatus(status: Record<string, unknown>): void {
  writeJsonAtomicSync(config.statusPath, { pid: process.pid, ...status });
}

const udp = dgram.createSocket({ type: 'udp4' });
const tcpServer = net.createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.setTimeout(10_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
      buffered = buffered.subarray(2 + query.length);
      void answer(Buffer.from(query), socket.remoteAddress?.replace(/^::ffff:/, '') ?? '', true).then((reply) => {
        if (!socket.destroyed) socket.write(Buffer.concat([lengthPrefix(reply.length), reply]));
      });
    }
  });
});

udp.on('message', (msg, rinfo) => {
  void answer(msg, rinfo.address, false).then((reply) => udp.send(reply, rinfo.port, rinfo.address));
});

function shutdown(code: number): void {
  udp.close();
  tcpServer.close();
  process.exit(code);
}

function fail(err: Error): void {
  writeStatus({ ok: false, error: err.message, code: (err as NodeJS.ErrnoException).code });
  process.exit(1);
}

udp.once('error', fail);
tcpServer.once('error', fail);
udp.bind(53, config.gateway, () => {
  tcpServer.listen(53, config.gateway, () => {
    udp.removeListener('error', fail);
    udp.on('error', (err) => process.stderr.write(`dns: ${err.message}\n`));
    writeStatus({ ok: true });
  });
});
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
// The record disappears when the network is removed: no orphan name server outlives its network.
setInterval(() => { if (!currentTable()) shutdown(0); }, 2000).unref();
