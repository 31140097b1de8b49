/** `port`: the host address a service's container port is published on. */
import { FlotillaError } from '../errors.js';
import type { ProjectOptions } from './options.js';
import { serviceContainer, withProjectScope } from './project-containers.js';

/** Options of `port`: the service, the container port, the protocol and the replica. */
export interface PortOptions extends ProjectOptions {
  service: string;
  /** Port inside the container. */
  port: number;
  protocol?: 'tcp' | 'udp';
  /** Replica number (`--index`); default the lowest-numbered one. */
  index?: number;
}

/** `{ hostIp, hostPort }` of the binding, IPv4 first, as Docker Compose picks it. */
export async function publishedPort(options: PortOptions): Promise<{ hostIp: string; hostPort: number }> {
  const protocol = options.protocol ?? 'tcp';
  return withProjectScope(options, [options.service], async (session, scope) => {
    const container = await serviceContainer(session.engine, scope.name, options.service, { index: options.index });
    const bindings = container.ports
      .filter((p) => p.containerPort === options.port && p.protocol === protocol && p.hostPort > 0)
      .sort((a, b) => Number(a.hostIp.includes(':')) - Number(b.hostIp.includes(':')));
    const binding = bindings[0];
    if (!binding) throw new FlotillaError(`no port ${options.port}/${protocol} for container ${container.name}`);
    return { hostIp: binding.hostIp || '0.0.0.0', hostPort: binding.hostPort };
  });
}
