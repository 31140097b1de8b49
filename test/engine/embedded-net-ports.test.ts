/**
 * Published ports of the embedded engine: a busybox httpd (and a UDP echo) in a namespace standing in for a
 * container, reached through the userland proxy on 127.0.0.1 and on the host's other address; random ports
 * reported as really bound; ranges; a taken port gives a ConflictError naming it and its holder, and leaves no
 * proxy, file or listener behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, promises as fs, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, UnsupportedError } from '../../src/engine/errors.js';
import { createNetworkManager, type NetworkManager } from '../../src/engine/embedded/net/index.js';
import { findHelpers } from '../../src/engine/embedded/net/helpers.js';
import { ipJson } from '../../src/engine/embedded/net/host.js';

const isRoot = process.getuid?.() === 0;
const cid = `ports-${process.pid}`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** The address of the interface holding the default route. */
async function hostAddress(): Promise<string> {
  const [route] = await ipJson<{ dev: string }[]>(['-4', 'route', 'show', 'default']);
  const [link] = await ipJson<{ addr_info: { local: string }[] }[]>(['-4', 'addr', 'show', 'dev', route!.dev]);
  return link!.addr_info[0]!.local;
}

async function get(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host}:${port}/index.html`, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

async function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('connect', () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(true));
  });
}

async function udpRoundTrip(host: string, port: number, text: string): Promise<string> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no UDP reply')), 3000);
      socket.on('message', (msg) => { clearTimeout(timer); resolve(msg.toString()); });
      socket.send(text, port, host);
    });
  } finally {
    socket.close();
  }
}

describe.skipIf(!isRoot)('embedded networks: published ports', () => {
  let dataRoot: string;
  let manager: NetworkManager;
  let containerIp: string;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'flt-net-ports-'));
    manager = createNetworkManager({ dataRoot, upstreams: [] });
    await manager.createNetwork({ name: 'ports_default' });
    const netns = await manager.createNetns(cid);
    containerIp = (await manager.attach('ports_default', { containerId: cid, containerName: 'ports-web-1', netnsPath: netns })).ipAddress;
    const www = join(dataRoot, 'www');
    await fs.mkdir(www);
    await fs.writeFile(join(www, 'index.html'), 'hello from the namespace\n');
    servers.push(spawn('nsenter', [`--net=${netns}`, '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' }));
    const echo = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(9000)";
    servers.push(spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', echo], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await manager?.cleanupAll();
    if (dataRoot) await fs.rm(dataRoot, { recursive: true, force: true });
  });

  it('publishes tcp and udp on 127.0.0.1, on every address, with random, fixed and ranged host ports', async () => {
    const fixed = await freePort();
    const taken = net.createServer();
    const rangeStart = await freePort();
    await new Promise<void>((r) => taken.listen(rangeStart, '127.0.0.1', r)); // the first port of the range is busy
    try {
      const ports = await manager.publish(cid, [
        { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
        { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(fixed) },
        { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: `${rangeStart}-${rangeStart + 5}` },
        { containerPort: 8080, protocol: 'tcp' },
        { containerPort: 9000, protocol: 'udp', hostIp: '127.0.0.1' },
      ], containerIp);
      expect(ports).toHaveLength(5);
      const [random, fixedPort, ranged, any, udp] = ports;
      expect(random).toMatchObject({ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' });
      expect(random!.hostPort).toBeGreaterThan(0);
      expect(fixedPort!.hostPort).toBe(fixed);
      expect(ranged!.hostPort).toBeGreaterThan(rangeStart);
      expect(ranged!.hostPort).toBeLessThanOrEqual(rangeStart + 5);
      expect(any!.hostIp).toBe('0.0.0.0');
      expect(udp!.protocol).toBe('udp');

      for (const p of [random!, fixedPort!, ranged!, any!]) expect(await get('127.0.0.1', p.hostPort)).toBe('hello from the namespace\n');
      // "Every address" includes the host's non-loopback ones (a local connection still).
      expect(await get(await hostAddress(), any!.hostPort)).toBe('hello from the namespace\n');
      expect(await udpRoundTrip('127.0.0.1', udp!.hostPort, 'ping')).toBe('echo:ping');
      // Several requests in parallel through one proxy.
      const many = await Promise.all(Array.from({ length: 20 }, () => get('127.0.0.1', random!.hostPort)));
      expect(new Set(many)).toEqual(new Set(['hello from the namespace\n']));

      expect(await manager.published(cid)).toEqual(ports);
      await manager.unpublish(cid);
      expect(await manager.published(cid)).toEqual([]);
      for (const p of [random!, fixedPort!, ranged!]) expect(await refused('127.0.0.1', p.hostPort)).toBe(true);
      expect(findHelpers(manager.store.paths.run).length).toBe(1); // the name server only
    } finally {
      taken.close();
    }
  });

  it('reports a taken port as a ConflictError naming it and its holder, and leaves nothing half-created', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const busy = (holder.address() as net.AddressInfo).port;
    const helpersBefore = findHelpers(manager.store.paths.run);
    try {
      const attempt = manager.publish(cid, [
        { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
        { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(busy) },
      ], containerIp);
      await expect(attempt).rejects.toThrow(ConflictError);
      await expect(attempt).rejects.toThrow(`cannot publish port 127.0.0.1:${busy}/tcp is already in use by node (pid ${process.pid})`);
    } finally {
      holder.close();
    }
    expect(findHelpers(manager.store.paths.run)).toEqual(helpersBefore);
    expect(readdirSync(manager.store.paths.run).filter((f) => f.startsWith('proxy-'))).toEqual([]);
    expect(await manager.published(cid)).toEqual([]);
    await expect(manager.publish(cid, [{ containerPort: 1, protocol: 'sctp' }], containerIp)).rejects.toThrow(UnsupportedError);
    // After the failure the same ports publish fine.
    const ok = await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(busy) }], containerIp);
    expect(await get('127.0.0.1', ok[0]!.hostPort)).toBe('hello from the namespace\n');
    await manager.unpublish(cid);
  });

  it('stops the proxy when its publication disappears, so no proxy outlives a lost state directory', async () => {
    const [p] = await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], containerIp);
    expect(await get('127.0.0.1', p!.hostPort)).toBe('hello from the namespace\n');
    const proxies = () => findHelpers(manager.store.paths.run).length;
    expect(proxies()).toBe(2);
    await fs.rm(join(manager.store.paths.run, `proxy-${cid}.json`));
    const deadline = Date.now() + 5000;
    while (proxies() > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(proxies()).toBe(1);
    expect(await refused('127.0.0.1', p!.hostPort)).toBe(true);
  });
});
