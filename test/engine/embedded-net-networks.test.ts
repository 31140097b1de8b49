/**
 * Embedded-engine networks on the real host, with `ip netns` namespaces standing in for containers: subnet choice
 * and IPAM, egress through MASQUERADE to a namespace outside every bridge (which has no route back, so only a
 * masqueraded reply can arrive), `internal: true` cutting that egress, clear errors, and a teardown that leaves
 * no bridge, veth, namespace, firewall rule or process behind.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, NotFoundError, UnsupportedError } from '../../src/engine/errors.js';
import { createNetworkManager, type NetworkManager } from '../../src/engine/embedded/net/index.js';
import { hostPrefixes } from '../../src/engine/embedded/net/host.js';
import { findHelpers } from '../../src/engine/embedded/net/helpers.js';
import { planSubnet } from '../../src/engine/embedded/net/ipam.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const tag = String(process.pid % 100000);

/** Exit status of a command inside a namespace (0 = worked), with its output. */
async function inNs(netnsPath: string, args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('nsenter', ['--net=' + netnsPath, ...args], { timeout: 8000 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' };
  }
}

/** Sends a line from one namespace to a one-shot listener in another; resolves with what the listener got. */
async function sendOnce(fromNs: string, toNs: string, toIp: string, port: number, line: string): Promise<string> {
  const listener = spawn('nsenter', ['--net=' + toNs, '/bin/busybox', 'nc', '-l', '-p', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let got = '';
  listener.stdout.on('data', (d: Buffer) => (got += d.toString()));
  const ended = new Promise((r) => listener.on('close', r));
  await new Promise((r) => setTimeout(r, 150));
  await inNs(fromNs, ['sh', '-c', `echo ${line} | /bin/busybox nc -w 1 ${toIp} ${port}`]);
  await Promise.race([ended, new Promise((r) => setTimeout(r, 300))]);
  listener.kill('SIGKILL');
  await ended;
  return got.trim();
}

async function hostState(m: NetworkManager) {
  const links = JSON.parse((await run('ip', ['-j', '-d', 'link'])).stdout) as { ifname: string; ifalias?: string }[];
  const netns = (await run('ip', ['netns', 'list'])).stdout;
  const rules = (await run('iptables-save')).stdout;
  return {
    // By alias only: other data roots (tests running beside this one) have flt* links of their own.
    links: links.filter((l) => l.ifalias?.startsWith(m.names.linkAliasPrefix)).map((l) => l.ifname),
    netns: netns.split('\n').filter((l) => l.startsWith(m.names.netnsPrefix)),
    rules: rules.split('\n').filter((l) => l.includes(`FLT-${m.names.rootKey}`)),
    helpers: findHelpers(m.store.paths.run),
  };
}

describe.skipIf(!isRoot)('embedded networks: bridges, egress, internal, teardown', () => {
  let dataRoot: string;
  let manager: NetworkManager;
  let outsideNs: string;
  let outsideIp: string;
  let hostAddress: string;
  const outsideName = `fltt-out-${tag}`;
  const outsideVeth = `fnt${tag}`;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'flt-net-nets-'));
    manager = createNetworkManager({ dataRoot, upstreams: [] });
    // "Outside": a namespace on a veth of its own, routed by the host, with no route back to any bridge subnet.
    const plan = planSubnet([], await hostPrefixes());
    const base = plan.subnet.replace(/\.0\/24$/, '');
    outsideIp = `${base}.2`;
    await run('ip', ['netns', 'add', outsideName]);
    outsideNs = `/run/netns/${outsideName}`;
    await run('ip', ['link', 'add', outsideVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outsideName]);
    await run('ip', ['addr', 'add', `${base}.1/24`, 'dev', outsideVeth]);
    await run('ip', ['link', 'set', outsideVeth, 'up']);
    await inNs(outsideNs, ['sh', '-c', `ip addr add ${outsideIp}/24 dev eth0 && ip link set eth0 up && ip link set lo up`]);
    const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'default'])).stdout) as { dev: string }[];
    const addrs = JSON.parse((await run('ip', ['-j', '-4', 'addr', 'show', 'dev', routes[0]!.dev])).stdout) as { addr_info: { local: string }[] }[];
    hostAddress = addrs[0]!.addr_info[0]!.local;
  });

  afterAll(async () => {
    await manager?.cleanupAll();
    await run('ip', ['link', 'del', outsideVeth]).catch(() => undefined);
    await run('ip', ['netns', 'del', outsideName]).catch(() => undefined);
    if (dataRoot) await fs.rm(dataRoot, { recursive: true, force: true });
  });

  it('picks subnets that overlap no route, honours IPAM settings and keeps labels and options', async () => {
    const a = await manager.createNetwork({ name: 'proj_a', labels: { 'com.docker.compose.project': 'proj' }, driverOpts: { 'com.docker.network.bridge.name': 'ignored' } });
    const b = await manager.createNetwork({ name: 'proj_b' });
    const routes = await hostPrefixes();
    expect(a.ipam.config[0]!.subnet).not.toBe(b.ipam.config[0]!.subnet);
    // Each subnet is now routed by its own bridge, and by nothing else.
    for (const net of [a, b]) {
      const holders = routes.filter((r) => r.text === net.ipam.config[0]!.subnet);
      expect(holders.length).toBeGreaterThan(0);
    }
    expect(a.labels).toEqual({ 'com.docker.compose.project': 'proj' });
    expect(a.driverOpts).toEqual({ 'com.docker.network.bridge.name': 'ignored' });
    expect((await manager.listNetworks()).map((n) => n.name)).toEqual(['proj_a', 'proj_b']);
    expect((await manager.inspectNetwork(a.id.slice(0, 12))).name).toBe('proj_a');

    // Explicit IPAM: subnet, gateway, range, reserved addresses, a fixed address and MAC.
    const free = planSubnet([], await hostPrefixes()).subnet; // x.y.z.0/24
    const base = free.replace(/\.0\/24$/, '');
    const c = await manager.createNetwork({ name: 'proj_c', ipam: { config: [{ subnet: free, gateway: `${base}.254`, ipRange: `${base}.128/25`, auxAddresses: { router: `${base}.128` } }] } });
    expect(c.ipam.config[0]).toEqual({ subnet: free, gateway: `${base}.254`, ipRange: `${base}.128/25`, auxAddresses: { router: `${base}.128` } });
    const n1 = await manager.createNetns(`ipam1-${tag}`);
    const n2 = await manager.createNetns(`ipam2-${tag}`);
    const first = await manager.attach('proj_c', { containerId: `ipam1-${tag}`, containerName: 'ipam1', netnsPath: n1 });
    expect(first.ipAddress).toBe(`${base}.129`);
    const fixed = await manager.attach('proj_c', { containerId: `ipam2-${tag}`, containerName: 'ipam2', netnsPath: n2, ipv4Address: `${base}.10`, macAddress: '02:42:00:00:00:aa' });
    expect(fixed).toMatchObject({ ipAddress: `${base}.10`, mac: '02:42:00:00:00:aa', ifName: 'eth0', gateway: `${base}.254`, defaultRoute: true });
    const inside = await inNs(n2, ['ip', '-j', 'addr', 'show', 'eth0']);
    expect(inside.stdout).toContain(`${base}.10`);
    expect(inside.stdout).toContain('02:42:00:00:00:aa');
    expect((await inNs(n2, ['ip', 'route', 'show', 'default'])).stdout).toContain(`via ${base}.254`);

    // A second network on the same container: eth1, and the default route stays on the first.
    const second = await manager.attach('proj_a', { containerId: `ipam2-${tag}`, containerName: 'ipam2', netnsPath: n2 });
    expect(second).toMatchObject({ ifName: 'eth1', defaultRoute: false });
    expect((await manager.inspectNetwork('proj_a')).containers[`ipam2-${tag}`]).toEqual({ name: 'ipam2', ipv4Address: `${second.ipAddress}/24`, macAddress: second.mac });
    // Detaching the first moves the default route to the second.
    await manager.detach('proj_c', `ipam2-${tag}`);
    expect((await inNs(n2, ['ip', 'route', 'show', 'default'])).stdout).toContain(`via ${a.ipam.config[0]!.gateway} dev eth1`);
    expect((await manager.attachments(`ipam2-${tag}`)).map((x) => [x.network, x.defaultRoute])).toEqual([['proj_a', true]]);

    await manager.removeNetns(`ipam1-${tag}`);
    await manager.removeNetns(`ipam2-${tag}`);
    for (const name of ['proj_a', 'proj_b', 'proj_c']) await manager.removeNetwork(name);
  });

  it('rejects what it cannot do with clear errors and leaves nothing half-made', async () => {
    await expect(manager.createNetwork({ name: 'v6', enableIpv6: true })).rejects.toThrow(UnsupportedError);
    await expect(manager.createNetwork({ name: 'ovl', driver: 'overlay' })).rejects.toThrow(UnsupportedError);
    await expect(manager.createNetwork({ name: 'clash', ipam: { config: [{ subnet: `${hostAddress}/24` }] } })).rejects.toThrow(/overlaps .* already in use on this host/);
    await expect(manager.createNetwork({ name: 'bad', ipam: { config: [{ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }] } })).rejects.toThrow(InvalidRequestError);
    const net = await manager.createNetwork({ name: 'errs' });
    await expect(manager.createNetwork({ name: 'errs' })).rejects.toThrow(ConflictError);
    const n1 = await manager.createNetns(`err1-${tag}`);
    const n2 = await manager.createNetns(`err2-${tag}`);
    const a1 = await manager.attach('errs', { containerId: `err1-${tag}`, containerName: 'err1', netnsPath: n1 });
    await expect(manager.attach('errs', { containerId: `err2-${tag}`, containerName: 'err2', netnsPath: n2, ipv4Address: a1.ipAddress })).rejects.toThrow(/already in use/);
    await expect(manager.attach('errs', { containerId: `err1-${tag}`, containerName: 'err1', netnsPath: n1 })).rejects.toThrow(ConflictError);
    await expect(manager.attach('nosuch', { containerId: `err2-${tag}`, containerName: 'err2', netnsPath: n2 })).rejects.toThrow(NotFoundError);
    await expect(manager.removeNetwork('errs')).rejects.toThrow(/has active endpoints \(err1\)/);
    // The failed attach of err2 left no interface in its namespace.
    expect((await inNs(n2, ['ip', '-o', 'link'])).stdout).not.toContain('eth0');
    await manager.removeNetns(`err1-${tag}`);
    await manager.removeNetns(`err2-${tag}`);
    await manager.removeNetwork(net.id);
    expect(await hostState(manager)).toEqual({ links: [], netns: [], rules: [], helpers: [] });
  });

  it('gives egress through MASQUERADE on a normal network and none on an internal one', async () => {
    await manager.createNetwork({ name: 'egress_open' });
    await manager.createNetwork({ name: 'egress_closed', internal: true });
    await manager.createNetwork({ name: 'egress_other' });
    const open = await manager.createNetns(`open-${tag}`);
    const closed = await manager.createNetns(`closed-${tag}`);
    const peer = await manager.createNetns(`peer-${tag}`);
    const other = await manager.createNetns(`other-${tag}`);
    await manager.attach('egress_open', { containerId: `open-${tag}`, containerName: 'open', netnsPath: open });
    const closedAt = await manager.attach('egress_closed', { containerId: `closed-${tag}`, containerName: 'closed', netnsPath: closed });
    const peerAt = await manager.attach('egress_closed', { containerId: `peer-${tag}`, containerName: 'peer', netnsPath: peer });
    const otherAt = await manager.attach('egress_other', { containerId: `other-${tag}`, containerName: 'other', netnsPath: other });
    expect(closedAt.defaultRoute).toBe(false);

    // Forwarded and masqueraded to a namespace outside the bridges.
    expect(await sendOnce(open, outsideNs, outsideIp, 7101, 'from-open')).toBe('from-open');
    // The host's own address, through the default route.
    expect((await inNs(open, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', hostAddress])).code).toBe(0);

    // Internal: neither the outside namespace nor the host's address, but members still reach each other.
    expect(await sendOnce(closed, outsideNs, outsideIp, 7102, 'from-closed')).toBe('');
    expect((await inNs(closed, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', hostAddress])).code).not.toBe(0);
    expect((await inNs(closed, ['ip', 'route', 'show', 'default'])).stdout.trim()).toBe('');
    expect(await sendOnce(closed, peer, peerAt.ipAddress, 7103, 'inside-internal')).toBe('inside-internal');
    // Even with a route added by hand, the forward rules drop it.
    await inNs(closed, ['ip', 'route', 'add', 'default', 'via', closedAt.gateway]);
    expect(await sendOnce(closed, outsideNs, outsideIp, 7104, 'forced')).toBe('');
    expect((await inNs(closed, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', hostAddress])).code).not.toBe(0);

    // Networks are isolated from each other, internal or not.
    expect(await sendOnce(open, peer, peerAt.ipAddress, 7105, 'cross')).toBe('');
    expect(await sendOnce(open, other, otherAt.ipAddress, 7106, 'cross')).toBe('');
    expect(await sendOnce(other, open, (await manager.attachments(`open-${tag}`))[0]!.ipAddress, 7107, 'cross')).toBe('');
  });

  it('tears down to nothing: no bridge, veth, namespace, rule or process', async () => {
    const before = await hostState(manager);
    expect(before.links.length).toBe(7); // 3 bridges, 4 veths
    expect(before.netns.length).toBe(4);
    expect(before.helpers.length).toBe(3); // one name server per network
    expect(before.rules.length).toBeGreaterThan(0);
    for (const id of ['open', 'closed', 'peer', 'other']) await manager.removeNetns(`${id}-${tag}`);
    for (const name of ['egress_open', 'egress_closed', 'egress_other']) await manager.removeNetwork(name);
    expect(await hostState(manager)).toEqual({ links: [], netns: [], rules: [], helpers: [] });
    expect((await run('iptables', ['-S', 'FORWARD'])).stdout).not.toContain(`FLT-${manager.names.rootKey}`);
    expect((await run('iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).stdout).not.toContain(`FLT-${manager.names.rootKey}`);
  });

  it('cleanupAll removes everything even when the state files are lost', async () => {
    await manager.createNetwork({ name: 'lost' });
    const n = await manager.createNetns(`lost-${tag}`);
    await manager.attach('lost', { containerId: `lost-${tag}`, containerName: 'lost', netnsPath: n });
    await fs.rm(join(dataRoot, 'net', 'networks'), { recursive: true, force: true });
    const before = await hostState(manager);
    expect(before.links.length).toBe(2);
    await manager.cleanupAll();
    expect(await hostState(manager)).toEqual({ links: [], netns: [], rules: [], helpers: [] });
  });
});
