/**
 * The port process of one container: a detached process that holds the host ports published for the container.
 * It binds every port first (so a taken port fails here, and nobody else can take it later) and reports the
 * result in its status file: either all ports, with the real numbers of random ones, or the one that failed,
 * after which it exits holding nothing. It exits when its config file is removed, so it never outlives the
 * container's publication.
 *
 * Traffic takes the kernel path when `nat` is given: once bound, it adds one DNAT rule per IPv4 port (see
 * port-rules.ts), so connections to the port never reach its sockets, and it removes them when it exits. What
 * NAT does not catch (IPv6, a specific IPv6 host_ip, or every port when the rules cannot be added) reaches its
 * sockets, and it relays that in userland to the container's address, from the gateway address.
 *
 * Usage: node proxy-main.js <config.json>, config = ProxyConfig.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { writeJsonAtomicSync } from '../state/files.js';
import { portRule, portTag } from './port-rules.js';

export interface ProxyBinding {
  protocol: 'tcp' | 'udp';
  /** "" for every address. */
  hostIp: string;
  /** Host ports to try in order (a range); [0] for a port chosen by the kernel. */
  candidates: number[];
  containerPort: number;
  targetIp: string;
}

export interface ProxyConfig {
  /** Named in the comment of its DNAT rules. */
  containerId: string;
  statusPath: string;
  bindings: ProxyBinding[];
  /** The nat chain for DNAT rules; absent: relay everything in userland. */
  nat?: { chain: string };
}

export interface ProxyStatus {
  pid: number;
  ok: boolean;
  ports?: { protocol: 'tcp' | 'udp'; hostIp: string; hostPort: number; containerPort: number }[];
  /** How many DNAT rules carry the ports (the rest is relayed here); why none could be added, if so. */
  nat?: { rules: number; error?: string };
  error?: { message: string; code?: string; protocol: 'tcp' | 'udp'; hostIp: string; port: string };
}

const UDP_IDLE_MS = 60_000;
const configPath = process.argv[2]!;
const config = JSON.parse(readFileSync(configPath, 'utf8')) as ProxyConfig;

type Listener = { close(): void; port(): number };

function tcpListener(binding: ProxyBinding, address: string, port: number): Promise<Listener> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = net.connect({ host: binding.targetIp, port: binding.containerPort, allowHalfOpen: true, noDelay: true });
    const destroy = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    // Each side's end is passed on (half-close), so request/response clients that shut down writing still work.
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => { if (!client.writableEnded) client.end(); });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, ipv6Only: false, exclusive: true }, () => {
      server.removeListener('error', reject);
      server.on('error', (err) => process.stderr.write(`proxy tcp: ${err.message}\n`));
      resolve({ close: () => server.close(), port: () => (server.address() as net.AddressInfo).port });
    });
  });
}

function udpListener(binding: ProxyBinding, address: string, port: number): Promise<Listener> {
  const socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
  const flows = new Map<string, { upstream: dgram.Socket; timer: NodeJS.Timeout }>();
  socket.on('message', (msg, client) => {
    const key = `${client.address}|${client.port}`;
    let flow = flows.get(key);
    if (!flow) {
      // One upstream socket per client, so the container's replies find their way back to that client.
      const upstream = dgram.createSocket('udp4');
      upstream.on('message', (reply, from) => {
        if (from.address === binding.targetIp && from.port === binding.containerPort) socket.send(reply, client.port, client.address);
      });
      upstream.on('error', () => undefined);
      flow = { upstream, timer: setTimeout(() => undefined, 0) };
      flows.set(key, flow);
    }
    const current = flow;
    clearTimeout(current.timer);
    current.timer = setTimeout(() => { current.upstream.close(); flows.delete(key); }, UDP_IDLE_MS);
    current.upstream.send(msg, binding.containerPort, binding.targetIp);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.removeListener('error', reject);
      socket.on('error', (err) => process.stderr.write(`proxy udp: ${err.message}\n`));
      resolve({ close: () => socket.close(), port: () => socket.address().port });
    });
  });
}

async function bindOne(binding: ProxyBinding, address: string): Promise<Listener> {
  let lastError: unknown;
  for (const port of binding.candidates) {
    try {
      return await (binding.protocol === 'tcp' ? tcpListener(binding, address, port) : udpListener(binding, address, port));
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  throw lastError;
}

/** "" binds every address: dual stack when the host has IPv6, else 0.0.0.0. */
async function bindAny(binding: ProxyBinding): Promise<Listener> {
  if (binding.hostIp) return bindOne(binding, binding.hostIp);
  try {
    return await bindOne(binding, '::');
  } catch (err) {
    if (!['EAFNOSUPPORT', 'EADDRNOTAVAIL'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    return bindOne(binding, '0.0.0.0');
  }
}

/** The DNAT rules this process added, removed again when it exits. */
let natRules: string[] = [];

function iptablesRestore(lines: string[]): { ok: boolean; error: string } {
  const input = `*nat\n${lines.join('\n')}\nCOMMIT\n`;
  const result = spawnSync('iptables-restore', ['--noflush'], { input, encoding: 'utf8', timeout: 10_000 });
  return { ok: result.status === 0, error: (result.error?.message ?? result.stderr ?? '').trim() };
}

function addNatRules(chain: string, ports: NonNullable<ProxyStatus['ports']>): NonNullable<ProxyStatus['nat']> {
  const tag = portTag(config.containerId, process.pid);
  const rules = ports.flatMap((p, i) => {
    const b = config.bindings[i]!;
    const rule = portRule(chain, tag, { protocol: p.protocol, hostIp: b.hostIp, hostPort: p.hostPort, targetIp: b.targetIp, containerPort: p.containerPort });
    return rule ? [rule] : [];
  });
  if (!rules.length) return { rules: 0 };
  // At the top of the chain: ahead of any stale rule for the same port that nobody has removed yet.
  const added = iptablesRestore(rules.map((r) => `-I ${r.replace(' ', ' 1 ')}`));
  if (!added.ok) {
    process.stderr.write(`proxy: no DNAT rules, relaying in userland: ${added.error}\n`);
    return { rules: 0, error: added.error };
  }
  natRules = rules;
  return { rules: rules.length };
}

/** Synchronous, so that it also runs from the exit handler. */
function removeNatRules(): void {
  if (!natRules.length) return;
  const rules = natRules;
  natRules = [];
  if (iptablesRestore(rules.map((r) => `-D ${r}`)).ok) return;
  // Some are gone already (the engine's cleanup flushed the chain): the rest one by one.
  for (const r of rules) spawnSync('iptables', ['-w', '-t', 'nat', '-D', ...r.split(' ')], { stdio: 'ignore', timeout: 10_000 });
}

function portText(binding: ProxyBinding): string {
  const c = binding.candidates;
  return c.length > 1 ? `${c[0]}-${c[c.length - 1]}` : String(c[0]);
}

async function main(): Promise<void> {
  const listeners: Listener[] = [];
  const ports: NonNullable<ProxyStatus['ports']> = [];
  for (const binding of config.bindings) {
    try {
      const listener = await bindAny(binding);
      listeners.push(listener);
      ports.push({ protocol: binding.protocol, hostIp: binding.hostIp || '0.0.0.0', hostPort: listener.port(), containerPort: binding.containerPort });
    } catch (err) {
      for (const l of listeners) l.close();
      const e = err as NodeJS.ErrnoException;
      const status: ProxyStatus = {
        pid: process.pid,
        ok: false,
        error: { message: e.message, ...(e.code ? { code: e.code } : {}), protocol: binding.protocol, hostIp: binding.hostIp || '0.0.0.0', port: portText(binding) },
      };
      writeJsonAtomicSync(config.statusPath, status);
      process.exit(1);
    }
  }
  const nat = config.nat ? addNatRules(config.nat.chain, ports) : undefined;
  const status: ProxyStatus = { pid: process.pid, ok: true, ports, ...(nat ? { nat } : {}) };
  writeJsonAtomicSync(config.statusPath, status);
  setInterval(() => { if (!existsSync(configPath)) process.exit(0); }, 2000);
}

process.on('exit', removeNatRules);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
void main();
