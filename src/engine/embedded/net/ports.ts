/**
 * Published ports: one port process per container (see proxy-main.ts) holding every host port the container
 * publishes, and DNAT rules carrying the traffic in the kernel (port-rules.ts), added and removed by that process;
 * what NAT cannot carry, it relays. Publishing is all or nothing: the process binds each port before anything
 * else, and when one is taken it exits holding none, and the caller gets a ConflictError naming the port and,
 * when `ss` can tell, the process that holds it.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, InvalidRequestError, UnsupportedError } from '../../errors.js';
import type { PortBinding, PublishedPort } from '../../types.js';
import { readJson } from '../state/files.js';
import { writeJsonAtomic } from '../state/files.js';
import type { Firewall, PortRuleLine } from './firewall.js';
import { helperAlive, helperScript, startHelper, stopHelper } from './helpers.js';
import { portHolder } from './host.js';
import type { ProxyBinding, ProxyConfig, ProxyStatus } from './proxy-main.js';

const MAX_RANGE = 65535;

function parseHostPorts(text: string | undefined): number[] {
  const value = (text ?? '').trim();
  if (!value) return [0];
  const m = value.match(/^(\d+)(?:-(\d+))?$/);
  const from = Number(m?.[1]);
  const to = m?.[2] ? Number(m[2]) : from;
  if (!m || from < 1 || to > MAX_RANGE || to < from) throw new InvalidRequestError(`invalid host port "${value}"`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function hostAddress(text: string | undefined): string {
  return (text ?? '').trim().replace(/^\[(.*)\]$/, '$1');
}

export function proxyBindings(ports: PortBinding[], targetIp: string): ProxyBinding[] {
  return ports.map((p) => {
    if (p.protocol === 'sctp') throw new UnsupportedError(`port ${p.containerPort}/sctp: the embedded engine publishes tcp and udp only`);
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > MAX_RANGE) {
      throw new InvalidRequestError(`invalid container port ${p.containerPort}`);
    }
    return { protocol: p.protocol, hostIp: hostAddress(p.hostIp), candidates: parseHostPorts(p.hostPort), containerPort: p.containerPort, targetIp };
  });
}

export class PortPublisher {
  /** `firewall` undefined: no DNAT rules, the port processes relay everything in userland. */
  constructor(
    private readonly runDir: string,
    private readonly helperCache: string,
    private readonly firewall?: Firewall,
  ) {}

  files(containerId: string) {
    const base = join(this.runDir, `proxy-${containerId}`);
    return { config: `${base}.json`, status: `${base}.status.json`, log: `${base}.log` };
  }

  /** Binds every port of the container (replacing an earlier publication) and returns the real bindings. */
  async publish(containerId: string, ports: PortBinding[], targetIp: string): Promise<PublishedPort[]> {
    const bindings = proxyBindings(ports, targetIp);
    await this.unpublish(containerId);
    if (!bindings.length) return [];
    const f = this.files(containerId);
    const config: ProxyConfig = { containerId, statusPath: f.status, bindings, ...(this.firewall ? { nat: { chain: this.firewall.dnatChain } } : {}) };
    await writeJsonAtomic(f.config, config);
    let status: ProxyStatus;
    try {
      status = await startHelper<ProxyStatus>({ script: await helperScript('proxy-main', this.helperCache), configPath: f.config, statusPath: f.status, logPath: f.log });
    } catch (err) {
      await this.removeFiles(containerId);
      throw err;
    }
    if (!status.ok) {
      // It exits on its own after saying so; make sure it is gone before the caller looks.
      await stopHelper(status.pid, f.config);
      await this.removeFiles(containerId);
      throw await publishError(status.error!);
    }
    return (status.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
  }

  /** What the container's proxy really holds; empty when it has none (or it died). */
  async published(containerId: string): Promise<PublishedPort[]> {
    const f = this.files(containerId);
    const status = await readJson<ProxyStatus>(f.status).catch(() => undefined);
    if (!status?.ok || !helperAlive(status.pid, f.config)) return [];
    return (status.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
  }

  /** How the container's ports are carried: DNAT rules (and how many), or userland only; undefined when unpublished. */
  async status(containerId: string): Promise<ProxyStatus | undefined> {
    const f = this.files(containerId);
    const status = await readJson<ProxyStatus>(f.status).catch(() => undefined);
    return status?.ok && helperAlive(status.pid, f.config) ? status : undefined;
  }

  async unpublish(containerId: string): Promise<void> {
    const f = this.files(containerId);
    const status = await readJson<ProxyStatus>(f.status).catch(() => undefined);
    // The process removes its own rules as it exits; a killed one cannot, so its rules go here (and any other
    // rule whose process is gone, which would keep sending its port to an old address).
    await stopHelper(status?.pid, f.config);
    await this.firewall?.removePortRules({ containerId, alive: (r) => this.ruleAlive(r) });
    await this.removeFiles(containerId);
  }

  /** Removes DNAT rules whose port process is gone; how many. */
  async removeStaleRules(): Promise<number> {
    return (await this.firewall?.removePortRules({ alive: (r) => this.ruleAlive(r) })) ?? 0;
  }

  private ruleAlive(rule: PortRuleLine): boolean {
    return helperAlive(rule.pid, this.files(rule.containerId).config);
  }

  private async removeFiles(containerId: string): Promise<void> {
    const f = this.files(containerId);
    await Promise.all([f.config, f.status, f.log].map((p) => fs.rm(p, { force: true })));
  }
}

async function publishError(error: NonNullable<ProxyStatus['error']>): Promise<Error> {
  const where = `${error.hostIp}:${error.port}/${error.protocol}`;
  if (error.code === 'EADDRINUSE') {
    const firstPort = Number(error.port.split('-')[0]);
    const holder = error.port.includes('-') ? undefined : await portHolder(error.protocol, firstPort);
    const by = holder ? ` by ${holder}` : '';
    const what = error.port.includes('-') ? `every port of ${where} is already in use` : `port ${where} is already in use${by}`;
    return new ConflictError(`cannot publish ${what}`, 'container', where);
  }
  if (error.code === 'EADDRNOTAVAIL') return new InvalidRequestError(`cannot publish ${where}: ${error.hostIp} is not an address of this host`);
  if (error.code === 'EACCES') return new InvalidRequestError(`cannot publish ${where}: permission denied`);
  return new InvalidRequestError(`cannot publish ${where}: ${error.message}`);
}
