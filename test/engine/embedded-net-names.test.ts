/**
 * Names on embedded-engine networks, with `ip netns` namespaces standing in for containers and busybox as the
 * client: members resolve each other by name, alias and hostname through the network's name server, replicas
 * under one name give all their addresses, unknown names are relayed to the upstream (a fake one on loopback),
 * and resolv.conf/hosts are written in place.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkManager, type NetworkManager } from '../../src/engine/embedded/net/index.js';
import { buildQuery, buildResponse, parseAnswerAddresses, parseQuery, RCODE, TYPE_A } from '../../src/engine/embedded/net/dns-wire.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** busybox nslookup's A answers for `name`, asked of `server` (or of /etc/resolv.conf when absent). */
async function lookup(netnsPath: string, name: string, server?: string, timeoutMs = 10_000): Promise<string[]> {
  const args = ['--net=' + netnsPath, '/bin/busybox', 'nslookup', '-type=a', name, ...(server ? [server] : [])];
  const { stdout } = await run('nsenter', args, { timeout: timeoutMs }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const afterName = stdout.split(/\nName:/).slice(1).join('\n');
  return [...afterName.matchAll(/Address:\s*([\d.]+)/g)].map((m) => m[1]!);
}

describe.skipIf(!isRoot)('embedded networks: names', () => {
  let dataRoot: string;
  let manager: NetworkManager;
  let upstream: dgram.Socket;
  let upstreamQueries: string[];
  const ns: Record<string, string> = {};

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), 'flt-net-names-'));
    // A fake upstream on loopback: nothing leaves this machine.
    upstreamQueries = [];
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (msg, rinfo) => {
      const q = parseQuery(msg)!;
      upstreamQueries.push(q.name);
      const known = q.name === 'outside.example.test' && q.type === TYPE_A;
      upstream.send(buildResponse(msg, q, q.name === 'outside.example.test' ? RCODE.noError : RCODE.nxDomain, known ? ['10.9.9.9'] : []), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
    manager = createNetworkManager({ dataRoot, upstreams: [`127.0.0.1:${upstream.address().port}`] });
    for (const id of ['web1', 'web2', 'web3', 'db1', 'client']) ns[id] = await manager.createNetns(`c-${id}-${process.pid}`);
  });

  afterAll(async () => {
    await manager?.cleanupAll();
    upstream?.close();
    if (dataRoot) await fs.rm(dataRoot, { recursive: true, force: true });
  });

  it('resolves members by container name, service name, alias and hostname; replicas give every address', async () => {
    const net = await manager.createNetwork({ name: 'names_default', labels: { 'com.docker.compose.network': 'default' } });
    const gw = net.ipam.config[0]!.gateway!;
    const attach = (id: string, extra: Partial<Parameters<NetworkManager['attach']>[1]>) =>
      manager.attach('names_default', { containerId: `c-${id}-${process.pid}`, containerName: `names-${id}`, netnsPath: ns[id]!, ...extra });
    const db = await attach('db1', { names: ['db'], aliases: ['database'], hostname: 'dbhost' });
    const webs = [await attach('web1', { names: ['web'] }), await attach('web2', { names: ['web'] }), await attach('web3', { names: ['web'] })];
    const client = await attach('client', {});

    expect(db.gateway).toBe(gw);
    expect(new Set([db, ...webs, client].map((a) => a.ipAddress)).size).toBe(5);
    for (const name of ['db', 'names-db1', 'database', 'dbhost', 'DB']) expect(await lookup(ns.client!, name, gw)).toEqual([db.ipAddress]);
    const replicas = await lookup(ns.client!, 'web', gw);
    expect(replicas.sort()).toEqual(webs.map((w) => w.ipAddress).sort());
    // Round-robin: the first address changes from one query to the next.
    const firsts = new Set<string>();
    for (let i = 0; i < 3; i++) firsts.add((await lookup(ns.client!, 'web', gw))[0]!);
    expect(firsts.size).toBe(3);

    // The other direction, and traffic by name: db reaches the client's listener through the bridge.
    expect(await lookup(ns.db1!, 'names-client', gw)).toEqual([client.ipAddress]);

    // A name the network does not know goes to the upstream; a made-up one comes back NXDOMAIN.
    expect(await lookup(ns.client!, 'outside.example.test', gw)).toEqual(['10.9.9.9']);
    expect(await lookup(ns.client!, 'nosuch.example.test', gw)).toEqual([]);
    expect(upstreamQueries).toContain('nosuch.example.test');
    expect(upstreamQueries).not.toContain('web');

    // Through the container's own resolv.conf (bind-mounted over /etc/resolv.conf in a private mount namespace).
    const resolv = join(dataRoot, 'resolv.conf');
    await manager.writeResolvConf(resolv, { network: 'names_default' });
    expect(await fs.readFile(resolv, 'utf8')).toBe(`nameserver ${gw}\noptions ndots:0\n`);
    const { stdout } = await run('nsenter', ['--net=' + ns.client!, 'unshare', '-m', 'sh', '-c', `mount --bind ${resolv} /etc/resolv.conf && /bin/busybox nslookup -type=a database`]);
    expect(stdout).toContain(`Address: ${db.ipAddress}`);

    // A detached member is no longer resolvable; its veth is gone.
    await manager.detach('names_default', `c-web3-${process.pid}`);
    expect((await lookup(ns.client!, 'web', gw)).sort()).toEqual(webs.slice(0, 2).map((w) => w.ipAddress).sort());
    const { stdout: links } = await run('ip', ['-j', 'link']);
    expect(links).not.toContain(manager.names.hostVeth(net.id, `c-web3-${process.pid}`));
  });

  it("keeps the gateway's link-layer address while bridge ports come and go", async () => {
    const net = await manager.inspectNetwork('names_default');
    const gw = net.ipam.config[0]!.gateway!;
    const db = net.containers[`c-db1-${process.pid}`]!.ipv4Address!.split('/')[0]!;
    const bridge = (await manager.store.find('names_default'))!.bridge;
    const bridgeMac = async () => (await fs.readFile(`/sys/class/net/${bridge}/address`, 'utf8')).trim();
    expect(await lookup(ns.client!, 'database', gw)).toEqual([db]);
    const { stdout: neigh } = await run('nsenter', ['--net=' + ns.client!, 'ip', '-j', 'neigh', 'show', gw]);
    const cached = (JSON.parse(neigh) as { lladdr?: string }[])[0]?.lladdr;
    expect(cached).toBe(await bridgeMac());

    // A port whose address sorts below every other one: a bridge without an address of its own would take it
    // on joining and give it up on leaving, and the client's cached gateway address would go nowhere.
    const port = `flvlow${process.pid}`;
    await run('ip', ['link', 'add', port, 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', `flvlowp${process.pid}`]);
    try {
      await run('ip', ['link', 'set', 'dev', port, 'alias', `${manager.names.linkAliasPrefix}names-test-port`]); // cleanupAll finds it
      await run('ip', ['link', 'set', 'dev', port, 'master', bridge, 'up']);
      expect(await bridgeMac()).toBe(cached);
      expect(await lookup(ns.client!, 'database', gw, 3000)).toEqual([db]);
    } finally {
      await run('ip', ['link', 'del', 'dev', port]);
    }
    expect(await bridgeMac()).toBe(cached);
    expect(await lookup(ns.client!, 'database', gw, 3000)).toEqual([db]);
  });

  it('reaches a member by name over the bridge despite a FORWARD DROP policy', async () => {
    const gw = (await manager.inspectNetwork('names_default')).ipam.config[0]!.gateway!;
    const server = run('nsenter', ['--net=' + ns.db1!, '/bin/busybox', 'nc', '-l', '-p', '7001', '-w', '5']);
    server.catch(() => undefined); // awaited below; a failing client must not leave its rejection to a later test
    await new Promise((r) => setTimeout(r, 150));
    const resolv = join(dataRoot, 'resolv2.conf');
    await fs.writeFile(resolv, `nameserver ${gw}\noptions ndots:0\n`);
    await run('nsenter', ['--net=' + ns.client!, 'unshare', '-m', 'sh', '-c', `mount --bind ${resolv} /etc/resolv.conf && echo hello-db | /bin/busybox nc -w 2 db 7001`]);
    const { stdout } = await server;
    expect(stdout.trim()).toBe('hello-db');
  });

  it('answers over TCP too, and comes back after its name server died', async () => {
    const net1 = await manager.inspectNetwork('names_default');
    const gw = net1.ipam.config[0]!.gateway!;
    const db = net1.containers[`c-db1-${process.pid}`]!.ipv4Address!.split('/')[0]!;
    const overTcp = (name: string) =>
      new Promise<string[]>((resolve, reject) => {
        const q = buildQuery(7, name);
        const socket = netConnect({ host: gw, port: 53 }, () => socket.write(Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q])));
        let data = Buffer.alloc(0);
        socket.on('data', (d) => {
          data = Buffer.concat([data, d]);
          if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
            socket.destroy();
            resolve(parseAnswerAddresses(data.subarray(2)).addresses);
          }
        });
        socket.on('error', reject);
      });
    expect(await overTcp('database')).toEqual([db]);

    const files = readdirSync(manager.store.paths.run).filter((f) => f.startsWith('dns-') && f.endsWith('.status.json'));
    const { pid } = JSON.parse(await fs.readFile(join(manager.store.paths.run, files[0]!), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(await lookup(ns.client!, 'database', gw, 1000)).toEqual([]);
    expect(await manager.repair()).toEqual([]);
    expect(await lookup(ns.client!, 'database', gw)).toEqual([db]);
  });

  it('writes hosts and resolv.conf in place (a bind mount pins the inode)', async () => {
    const hosts = join(dataRoot, 'hosts');
    await fs.writeFile(hosts, 'old\n');
    const inode = statSync(hosts).ino;
    await manager.writeHosts(hosts, { hostname: 'web-1', domainname: 'example.test', addresses: ['10.201.0.7'], extraHosts: ['gateway.test:host-gateway', 'v6.test=::1', 'plain.test:192.0.2.9'], hostGatewayIp: '10.201.0.1' });
    expect(statSync(hosts).ino).toBe(inode);
    const text = await fs.readFile(hosts, 'utf8');
    expect(text).toContain('127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.201.0.7\tweb-1.example.test\tweb-1\n');
    expect(text).toContain('10.201.0.1\tgateway.test\n');
    expect(text).toContain('::1\tv6.test\n');
    expect(text).toContain('192.0.2.9\tplain.test\n');
    const resolv = join(dataRoot, 'resolv3.conf');
    await fs.writeFile(resolv, 'old\n');
    const resolvInode = statSync(resolv).ino;
    await manager.writeResolvConf(resolv, { dns: ['192.0.2.53'], dnsSearch: ['corp.test'], dnsOptions: ['timeout:2'] });
    expect(statSync(resolv).ino).toBe(resolvInode);
    expect(await fs.readFile(resolv, 'utf8')).toBe('nameserver 192.0.2.53\nsearch corp.test\noptions timeout:2\n');
  });
});
