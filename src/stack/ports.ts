/**
 * Host ports as the engine really bound them. A compose file that gives only a container port (`"80"`) lets the
 * engine pick a free host port, which is what lets several copies of a stack run at once; tests then ask here.
 */
import type { Engine, PublishedPort } from '../engine/types.js';
import { serviceContainer } from '../api/project-containers.js';
import { StackError } from './errors.js';

/** Which protocol and which replica. */
export interface PortQuery {
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Replica number; default the lowest-numbered container of the service. */
  index?: number;
}

/** A published port of a service's container, preferring an IPv4 binding (what `127.0.0.1` reaches). */
export async function publishedPort(engine: Engine, projectName: string, service: string, containerPort: number,
  query: PortQuery = {}): Promise<PublishedPort> {
  const protocol = query.protocol ?? 'tcp';
  const container = await serviceContainer(engine, projectName, service, { index: query.index });
  // The listing's ports are the bound ones; inspect once more if the listing predates the start.
  let ports = container.ports;
  if (!ports.some((p) => p.containerPort === containerPort && p.protocol === protocol)) {
    ports = (await engine.inspectContainer(container.id)).ports;
  }
  const matching = ports.filter((p) => p.containerPort === containerPort && p.protocol === protocol && p.hostPort > 0);
  const chosen = matching.find((p) => isIpv4(p.hostIp)) ?? matching[0];
  if (!chosen) {
    const published = ports.map((p) => `${p.containerPort}/${p.protocol}`);
    throw new StackError(`service "${service}" does not publish port ${containerPort}/${protocol} (container ${container.name})`, {
      hint: published.length > 0 ? `it publishes ${[...new Set(published)].join(', ')}` : `add "${containerPort}" to its ports`,
    });
  }
  return chosen;
}

/** The address a client on this host uses to reach a binding: loopback for wildcard bindings. */
export function hostAddress(port: PublishedPort): string {
  const ip = port.hostIp;
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

function isIpv4(ip: string): boolean {
  return ip === '' || /^\d+\.\d+\.\d+\.\d+$/.test(ip);
}
