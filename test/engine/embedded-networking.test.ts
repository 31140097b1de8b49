/**
 * Containers on the embedded engine's networks, beyond the engine contract: a restart by policy keeps the
 * namespace, the address and the port proxy; a taken host port fails the start with nothing running; a container
 * whose namespace vanished (as after a reboot) gets it back on start; connect and disconnect rewrite /etc/hosts in
 * place; `container:<name>` shares a namespace; replicas under one name resolve to all their addresses; and the
 * whole data root leaves nothing on the host.
 * Needs root, runc, overlayfs and the test busybox archive (scripts/test-env.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/engine/errors.js';
import type { ContainerSpec } from '../../src/engine/types.js';
import { createEmbeddedEngine, ensureCachedImages, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import { imageCacheDir } from '../../src/engine/embedded/images/cache.js';
import { findHelpers } from '../../src/engine/embedded/net/helpers.js';
import { execCollect } from './contract.js';

const BUSYBOX = 'flotilla-test/busybox:latest';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];
const HTTPD = 'mkdir -p /www && echo served > /www/index.html && httpd -f -p 80 -h /www';
const usable = process.getuid?.() === 0 && existsSync(join(imageCacheDir(), 'index.tsv'));

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-net-'));
let engine: EmbeddedEngine;
let counter = 0;

const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({ name: `embnet-${++counter}`, image: BUSYBOX, labels: {}, cmd: IDLE, ...overrides });

async function run(overrides: Partial<ContainerSpec> = {}): Promise<string> {
  const { id } = await engine.createContainer(spec(overrides));
  await engine.startContainer(id);
  return id;
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** This data root's published-port (DNAT) rules, as iptables-save prints them. */
const dnatRules = (): string[] =>
  execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`-A ${engine.net.names.chains.dnat} `));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

const proxyPid = (id: string): number | undefined => {
  const path = join(engine.net.store.paths.run, `proxy-${id}.status.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid : undefined;
};

beforeAll(async () => {
  if (!usable) return;
  engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
  await ensureCachedImages(engine, { refs: [BUSYBOX] });
});

afterEach(async () => {
  if (!engine) return;
  for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
  for (const n of await engine.listNetworks()) await engine.removeNetwork(n.id).catch(() => undefined);
});

afterAll(async () => {
  if (engine) {
    await engine.close();
    await engine.net.cleanupAll();
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!usable)('embedded engine: containers on networks', () => {
  it('keeps the namespace, the address and the port proxy across a restart by policy', async () => {
    const id = await run({
      cmd: ['sh', '-c', `${HTTPD} & sleep 1; exit 3`],
      restartPolicy: { name: 'on-failure' },
      ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }],
    });
    const before = await engine.inspectContainer(id);
    const port = before.ports[0]!.hostPort;
    const ip = before.networks.bridge!.ipAddress;
    const proxy = proxyPid(id);
    expect(proxy).toBeGreaterThan(0);
    expect(await eventually('httpd', () => httpGet(port))).toBe('served\n');
    const restarted = await eventually('a restart by policy', async () => {
      const d = await engine.inspectContainer(id);
      return d.restartCount >= 1 && d.state === 'running' ? d : undefined;
    });
    expect(restarted.networks.bridge!.ipAddress).toBe(ip);
    expect(restarted.ports).toEqual(before.ports);
    expect(proxyPid(id)).toBe(proxy);
    expect(existsSync(`/run/netns/${engine.net.names.netns(id)}`)).toBe(true);
    expect(await eventually('httpd after the restart', () => httpGet(port))).toBe('served\n');
  });

  it('frees the host port once the container exits for good', async () => {
    const id = await run({ cmd: ['sh', '-c', `${HTTPD} & sleep 1; exit 0`], ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }] });
    const port = (await engine.inspectContainer(id)).ports[0]!.hostPort;
    expect(await eventually('httpd', () => httpGet(port))).toBe('served\n');
    expect(dnatRules().filter((l) => l.includes(id))).toHaveLength(1);
    expect((await engine.waitContainer(id)).exitCode).toBe(0);
    expect((await engine.inspectContainer(id)).ports).toEqual([]);
    // The port process took its DNAT rule with it as the supervisor stopped it: nothing steals the port now.
    expect(await eventually('the rule gone', async () => (dnatRules().some((l) => l.includes(id)) ? undefined : true))).toBe(true);
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.on('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    again.close();
    // And it is published again on the next start.
    await engine.startContainer(id);
    expect((await engine.inspectContainer(id)).ports[0]!.hostPort).toBeGreaterThan(0);
  });

  it('fails the start on a taken host port, with nothing running and no proxy', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const { id } = await engine.createContainer(spec({ ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(taken) }] }));
      const err = await engine.startContainer(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(String((err as Error).message)).toContain(String(taken));
      const d = await engine.inspectContainer(id);
      expect(d.state).toBe('created');
      expect(d.ports).toEqual([]);
      expect(findHelpers(engine.net.store.paths.run).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('proxy-'))).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it('sends a host port to the new container once its service is re-created, with no rule left for the old one', async () => {
    const port = await freePort();
    const web = (text: string) => ({ cmd: ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && httpd -f -p 80 -h /www`], ports: [{ containerPort: 80, protocol: 'tcp' as const, hostPort: String(port) }] });
    const old = await run(web('old'));
    expect(await eventually('the old container', () => httpGet(port))).toBe('old\n');
    // Re-created as the reconciler does it: the new one created first, the old one removed, the new one started.
    const { id: fresh } = await engine.createContainer(spec(web('new')));
    await engine.removeContainer(old, { force: true });
    await engine.startContainer(fresh);
    expect(await eventually('the new container', async () => ((await httpGet(port)) === 'new\n' ? 'new\n' : undefined))).toBe('new\n');
    const ip = (await engine.inspectContainer(fresh)).networks.bridge!.ipAddress;
    const rules = dnatRules().filter((l) => l.includes(`--dport ${port} `));
    expect(rules).toEqual([expect.stringContaining(`--to-destination ${ip}:80`)]);
    expect(rules[0]).toContain(fresh);
    expect(dnatRules().filter((l) => l.includes(old))).toEqual([]);
  });

  it('re-creates a namespace that vanished (as after a reboot) when the container starts', async () => {
    await engine.createNetwork({ name: 'embnet-reboot' });
    const server = await run({ networks: [{ network: 'embnet-reboot', aliases: ['server'] }], cmd: ['sh', '-c', HTTPD], ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }] });
    const client = await run({ networks: [{ network: 'embnet-reboot' }] });
    await engine.stopContainer(server, { timeoutSec: 1 });
    await engine.net.removeNetns(server); // what a reboot does to /run/netns and the veths
    expect(existsSync(`/run/netns/${engine.net.names.netns(server)}`)).toBe(false);
    await engine.startContainer(server);
    const d = await engine.inspectContainer(server);
    expect(d.networks['embnet-reboot']!.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await eventually('httpd on its published port', () => httpGet(d.ports[0]!.hostPort))).toBe('served\n');
    const lookup = await execCollect(engine, client, { cmd: ['nslookup', 'server'] });
    expect(lookup.stdout).toContain(d.networks['embnet-reboot']!.ipAddress!);
  });

  it('rewrites /etc/hosts in place on connect and disconnect; container:<name> shares the namespace', async () => {
    await engine.createNetwork({ name: 'embnet-second' });
    const id = await run({ hostname: 'multi' });
    const joined = await run({ networkMode: `container:${(await engine.inspectContainer(id)).name}`, cmd: IDLE });
    const hosts = async (c: string) => (await execCollect(engine, c, { cmd: ['cat', '/etc/hosts'] })).stdout;
    const first = (await engine.inspectContainer(id)).networks.bridge!.ipAddress!;
    expect(await hosts(id)).toContain(`${first}\tmulti`);

    await engine.connectNetwork('embnet-second', id, { aliases: ['second-alias'] });
    const second = (await engine.inspectContainer(id)).networks['embnet-second']!.ipAddress!;
    expect(await hosts(id)).toContain(`${second}\tmulti`);
    // The joined container sees the same interfaces and the same hosts file.
    expect((await execCollect(engine, joined, { cmd: ['ip', '-o', '-4', 'addr'] })).stdout).toContain(second);
    expect(await hosts(joined)).toContain(`${second}\tmulti`);
    await expect(engine.connectNetwork('embnet-second', joined)).rejects.toThrow(/network mode/);

    await engine.disconnectNetwork('embnet-second', id);
    expect(await hosts(id)).not.toContain(second);
    expect((await execCollect(engine, id, { cmd: ['ip', '-o', '-4', 'addr'] })).stdout).not.toContain(second);
  });

  it('resolves a service of 3 replicas to its 3 addresses, and an alias to its one container', async () => {
    await engine.createNetwork({ name: 'embnet-scale' });
    const replicas = [];
    for (let i = 0; i < 3; i++) replicas.push(await run({ networks: [{ network: 'embnet-scale', aliases: ['scaled'] }] }));
    const single = await run({ networks: [{ network: 'embnet-scale', aliases: ['lonely'] }] });
    const client = await run({ networks: [{ network: 'embnet-scale' }] });
    const address = async (id: string) => (await engine.inspectContainer(id)).networks['embnet-scale']!.ipAddress!;
    const expected = (await Promise.all(replicas.map(address))).sort();
    expect(new Set(expected).size).toBe(3);
    const answered = (stdout: string) => [...stdout.split(/\nName:/).slice(1).join('\n').matchAll(/Address:\s*([\d.]+)/g)].map((m) => m[1]!).sort();
    const scaled = await execCollect(engine, client, { cmd: ['nslookup', '-type=a', 'scaled'] });
    expect([scaled.exitCode, answered(scaled.stdout)]).toEqual([0, expected]);
    const lonely = await execCollect(engine, client, { cmd: ['nslookup', '-type=a', 'lonely'] });
    expect([lonely.exitCode, answered(lonely.stdout)]).toEqual([0, [await address(single)]]);
  });

  it('resolves a renamed container by its new name only', async () => {
    await engine.createNetwork({ name: 'embnet-rename' });
    const target = await run({ name: `embnet-old-${counter}`, networks: [{ network: 'embnet-rename' }] });
    const client = await run({ networks: [{ network: 'embnet-rename' }] });
    const oldName = (await engine.inspectContainer(target)).name;
    const newName = `${oldName}-renamed`;
    await engine.renameContainer(target, newName);
    const ip = (await engine.inspectContainer(target)).networks['embnet-rename']!.ipAddress!;
    const found = await eventually('the new name', async () => {
      const r = await execCollect(engine, client, { cmd: ['nslookup', newName] });
      return r.exitCode === 0 ? r.stdout : undefined;
    });
    expect(found).toContain(ip);
    expect((await execCollect(engine, client, { cmd: ['nslookup', oldName] })).exitCode).not.toBe(0);
  });

  it('leaves nothing of the data root on the host once its containers and networks are gone', async () => {
    await run({ ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }] });
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true });
    // The on-demand default network went with its last container.
    expect(await engine.listNetworks()).toEqual([]);
    const names = engine.net.names;
    const links = execFileSync('ip', ['-d', 'link', 'show'], { encoding: 'utf8' });
    expect(links).not.toContain(names.linkAliasPrefix);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(names.netnsPrefix);
    expect(execFileSync('iptables-save', { encoding: 'utf8' })).not.toContain(`FLT-${names.rootKey}`);
    expect(findHelpers(engine.net.store.paths.run)).toEqual([]);
  });
});
