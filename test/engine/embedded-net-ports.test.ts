/**
 * Published ports of the embedded engine: a busybox httpd (and a UDP echo) in a namespace standing in for a
 * container, reached on 127.0.0.1 and on the host's other address; random ports reported as really bound; ranges;
 * a taken port gives a ConflictError naming it and its holder, and leaves no proxy, rule, file or listener behind.
 * The kernel path (DNAT rules) is proven by stopping the port process (SIGSTOP): a relay could not answer then.
 * It carries the host's own connections (127.0.0.1, its other addresses), a client in a namespace outside every
 * bridge (forwarded despite Docker's FORWARD DROP policy) and a member reaching its own published port (hairpin);
 * rules of a killed port process never outlive the next publication; IPv6 and the userland option are relayed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, promises as fs, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, UnsupportedError } from '../../src/engine/errors.js';
import { createNetworkManager, type NetworkManager } from '../../src/engine/embedded/net/index.js';
import { findHelpers } from '../../src/engine/embedded/net/helpers.js';
import { hostPrefixes, ipJson } from '../../src/engine/embedded/net/host.js';
import { planSubnet } from '../../src/engine/embedded/net/ipam.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const cid = `ports-${process.pid}`;
const cid2 = `ports2-${process.pid}`;
const tag = String(process.pid % 100000);
const outsideName = `fltt-pout-${tag}`;
const outsideVeth = `fpt${tag}`;

/** Exit status and output of a command inside a namespace. */
async function inNs(netnsPath: string, args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await exec('nsenter', ['--net=' + netnsPath, ...args], { timeout: 8000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' };
  }
}

/** A GET from inside a namespace (the host's curl, in its network namespace); the body, or "" when it failed. */
async function getFrom(netnsPath: string, host: string, port: number): Promise<string> {
  return (await inNs(netnsPath, ['curl', '-s', '-m', '3', `http://${host}:${port}/index.html`])).stdout;
}

/** The rules of this data root's DNAT chain, as iptables-save prints them. */
async function dnatRules(m: NetworkManager): Promise<string[]> {
  const { stdout } = await exec('iptables-save', ['-t', 'nat']);
  return stdout.split('\n').filter((l) => l.startsWith(`-A ${m.names.chains.dnat} `));
}

/** Runs `fn` with the port process of the container stopped (SIGSTOP), so only the kernel can carry traffic. */
async function withProcessStopped<T>(m: NetworkManager, containerId: string, fn: () => Promise<T>): Promise<T> {
  const pid = (await m.publication(containerId))!.pid;
  process.kill(pid, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

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
  let netns: string;
  let netns2: string;
  let containerIp2: string;
  let outsideNs: string;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'flt-net-ports-'));
    manager = createNetworkManager({ dataRoot, upstreams: [] });
    await manager.createNetwork({ name: 'ports_default' });
    netns = await manager.createNetns(cid);
    containerIp = (await manager.attach('ports_default', { containerId: cid, containerName: 'ports-web-1', netnsPath: netns })).ipAddress;
    netns2 = await manager.createNetns(cid2);
    containerIp2 = (await manager.attach('ports_default', { containerId: cid2, containerName: 'ports-web-2', netnsPath: netns2 })).ipAddress;
    const www = join(dataRoot, 'www');
    const www2 = join(dataRoot, 'www2');
    await fs.mkdir(www);
    await fs.mkdir(www2);
    await fs.writeFile(join(www, 'index.html'), 'hello from the namespace\n');
    await fs.writeFile(join(www2, 'index.html'), 'hello from the second namespace\n');
    servers.push(spawn('nsenter', [`--net=${netns}`, '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' }));
    servers.push(spawn('nsenter', [`--net=${netns2}`, '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', www2], { stdio: 'ignore' }));
    const echo = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(9000)";
    servers.push(spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', echo], { stdio: 'ignore' }));
    // "Outside": a namespace on a veth of its own, routed by the host (default route through it), on no bridge.
    const base = planSubnet([], await hostPrefixes()).subnet.replace(/\.0\/24$/, '');
    await exec('ip', ['netns', 'add', outsideName]);
    outsideNs = `/run/netns/${outsideName}`;
    await exec('ip', ['link', 'add', outsideVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outsideName]);
    await exec('ip', ['addr', 'add', `${base}.1/24`, 'dev', outsideVeth]);
    await exec('ip', ['link', 'set', outsideVeth, 'up']);
    await inNs(outsideNs, ['sh', '-c', `ip addr add ${base}.2/24 dev eth0 && ip link set eth0 up && ip link set lo up && ip route add default via ${base}.1`]);
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await manager?.cleanupAll();
    await exec('ip', ['link', 'del', outsideVeth]).catch(() => undefined);
    await exec('ip', ['netns', 'del', outsideName]).catch(() => undefined);
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
      // Held on every address, the port is just as taken for 127.0.0.1 (no DNAT rule may steal it).
      const wide = net.createServer();
      await new Promise<void>((r) => wide.listen(0, '0.0.0.0', r));
      const widePort = (wide.address() as net.AddressInfo).port;
      try {
        await expect(manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(widePort) }], containerIp)).rejects.toThrow(
          `cannot publish port 127.0.0.1:${widePort}/tcp is already in use by node (pid ${process.pid})`,
        );
      } finally {
        wide.close();
      }
    } finally {
      holder.close();
    }
    expect(await dnatRules(manager)).toEqual([]);
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
    // It took its DNAT rule with it: nothing answers on the port any more.
    expect(await dnatRules(manager)).toEqual([]);
    expect(await refused('127.0.0.1', p!.hostPort)).toBe(true);
  });

  it('carries ports in the kernel: with the port process stopped they answer the host, an outside client and members', async () => {
    const hello = 'hello from the namespace\n';
    const ports = await manager.publish(cid, [
      { containerPort: 8080, protocol: 'tcp' },
      { containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
      { containerPort: 9000, protocol: 'udp', hostIp: '127.0.0.1' },
    ], containerIp);
    const [any, local, udp] = ports.map((p) => p.hostPort);
    expect((await manager.publication(cid))!.nat).toEqual({ rules: 3 });
    const rules = await dnatRules(manager);
    expect(rules.filter((l) => l.includes(`flotilla:port:${cid}:`))).toHaveLength(3);
    expect(rules.filter((l) => l.includes(`--to-destination ${containerIp}:8080`))).toHaveLength(2);
    const host = await hostAddress();
    const gateway = (await manager.attachments(cid))[0]!.gateway;
    await withProcessStopped(manager, cid, async () => {
      expect(await get('127.0.0.1', any!)).toBe(hello);
      expect(await get('127.0.0.1', local!)).toBe(hello);
      expect(await get(host, any!)).toBe(hello);
      expect(await udpRoundTrip('127.0.0.1', udp!, 'kernel')).toBe('echo:kernel');
      // From outside: DNAT in PREROUTING, then forwarded into the bridge.
      expect(await getFrom(outsideNs, host, any!)).toBe(hello);
      // A port published on 127.0.0.1 only is not reachable on the host's other addresses.
      expect(await getFrom(outsideNs, host, local!)).toBe('');
      // Hairpin: the member reaches its own published port through a host address (or its gateway), and so does
      // its neighbour on the bridge.
      expect(await getFrom(netns, host, any!)).toBe(hello);
      expect(await getFrom(netns, gateway, any!)).toBe(hello);
      expect(await getFrom(netns2, host, any!)).toBe(hello);
    });
    // IPv6 takes no NAT: the port process's dual-stack socket relays it.
    expect(await get('[::1]', any!)).toBe(hello);
    await manager.unpublish(cid);
    expect(await dnatRules(manager)).toEqual([]);
    expect(await refused('127.0.0.1', any!)).toBe(true);
    expect(await getFrom(outsideNs, host, any!)).toBe('');
  });

  it('never keeps a stale rule: a killed port process\'s rules go at the next publication or repair', async () => {
    const fixed = await freePort();
    const portOf = (id: string) => (l: string) => l.includes(`flotilla:port:${id}:`);
    await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(fixed) }], containerIp);
    const [second] = await manager.publish(cid2, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], containerIp2);
    const killed = (await manager.publication(cid))!.pid;
    process.kill(killed, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (findHelpers(manager.store.paths.run).includes(killed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Nobody removed its rule: the port still leads to the first namespace.
    expect((await dnatRules(manager)).filter(portOf(cid))).toHaveLength(1);
    expect(await get('127.0.0.1', fixed)).toBe('hello from the namespace\n');

    // Another container (another project, or the same service re-created) publishes that port now.
    const [moved] = await manager.publish(cid2, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(fixed) }], containerIp2);
    expect(moved!.hostPort).toBe(fixed);
    const after = await dnatRules(manager);
    expect(after.filter(portOf(cid))).toEqual([]);
    expect(after.filter(portOf(cid2))).toEqual([expect.stringContaining(`--to-destination ${containerIp2}:8080`)]);
    await withProcessStopped(manager, cid2, async () => expect(await get('127.0.0.1', fixed)).toBe('hello from the second namespace\n'));
    expect(await refused('127.0.0.1', second!.hostPort)).toBe(true); // its earlier publication was replaced

    // Two publishers side by side: removing one leaves the other's rule alone.
    const [first] = await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], containerIp);
    await manager.unpublish(cid);
    expect(await refused('127.0.0.1', first!.hostPort)).toBe(true);
    await withProcessStopped(manager, cid2, async () => expect(await get('127.0.0.1', fixed)).toBe('hello from the second namespace\n'));

    // Killed again: the repair every engine start runs removes the rule too.
    process.kill((await manager.publication(cid2))!.pid, 'SIGKILL');
    while ((await manager.publication(cid2)) && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
    expect((await dnatRules(manager)).filter(portOf(cid2))).toHaveLength(1);
    expect(await manager.repair()).toContain('removed 1 port forwarding rule(s) of port processes that are gone');
    expect(await dnatRules(manager)).toEqual([]);
    await manager.unpublish(cid2);
  });

  it('relays in userland when told to, when the rules cannot be added, and for an IPv6 host address', async () => {
    const userland = createNetworkManager({ dataRoot, upstreams: [], userlandProxy: true });
    const [p] = await userland.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], containerIp);
    expect((await userland.publication(cid))!.nat).toBeUndefined();
    expect(await dnatRules(manager)).toEqual([]);
    expect(await get('127.0.0.1', p!.hostPort)).toBe('hello from the namespace\n');
    await userland.unpublish(cid);
    // Falls back by itself when the rules cannot be added: here a data root that never made its chains.
    const otherRoot = mkdtempSync(join(tmpdir(), 'flt-net-ports-nochain-'));
    const chainless = createNetworkManager({ dataRoot: otherRoot, upstreams: [] });
    try {
      const [q] = await chainless.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], containerIp);
      expect((await chainless.publication(cid))!.nat).toMatchObject({ rules: 0, error: expect.stringMatching(/\S/) });
      expect(await get('127.0.0.1', q!.hostPort)).toBe('hello from the namespace\n');
      await chainless.unpublish(cid);
      expect(await refused('127.0.0.1', q!.hostPort)).toBe(true);
    } finally {
      await chainless.cleanupAll();
      await fs.rm(otherRoot, { recursive: true, force: true });
    }
    const [v6] = await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp', hostIp: '::1' }], containerIp);
    expect(v6!.hostIp).toBe('::1');
    expect((await manager.publication(cid))!.nat).toEqual({ rules: 0 });
    expect(await get('[::1]', v6!.hostPort)).toBe('hello from the namespace\n');
    await manager.unpublish(cid);
  });

  it('leaves no rule, route_localnet, link, namespace or process once ports, members and network are gone', async () => {
    const bridge = (await manager.store.find('ports_default'))!.bridge;
    const localnet = `/proc/sys/net/ipv4/conf/${bridge}/route_localnet`;
    expect((await fs.readFile(localnet, 'utf8')).trim()).toBe('1');
    await manager.publish(cid, [{ containerPort: 8080, protocol: 'tcp' }], containerIp);
    await manager.publish(cid2, [{ containerPort: 8080, protocol: 'udp', hostIp: '127.0.0.1' }], containerIp2);
    expect(await dnatRules(manager)).toHaveLength(2);
    // What removing a container does (unpublish, then its namespace), then the network: `down`.
    for (const id of [cid, cid2]) {
      await manager.unpublish(id);
      await manager.removeNetns(id);
    }
    await manager.removeNetwork('ports_default');
    const save = (await exec('iptables-save')).stdout;
    expect(save).not.toContain(`FLT-${manager.names.rootKey}`);
    expect(save).not.toContain(`flotilla:port:${cid}`);
    expect(save).not.toContain(`flotilla:port:${cid2}`);
    expect(save).not.toContain(bridge);
    expect(await fs.access(localnet).then(() => true, () => false)).toBe(false);
    const links = JSON.parse((await exec('ip', ['-j', '-d', 'link'])).stdout) as { ifalias?: string }[];
    expect(links.filter((l) => l.ifalias?.startsWith(manager.names.linkAliasPrefix))).toEqual([]);
    expect((await exec('ip', ['netns', 'list'])).stdout).not.toContain(manager.names.netnsPrefix);
    expect(findHelpers(manager.store.paths.run)).toEqual([]);
  });
});
