/** `stats`: resource usage of the project's running containers, one sample each. */
import { NotFoundError } from '../engine/errors.js';
import type { StatsSample } from '../engine/types.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, withProjectScope } from './project-containers.js';

/** Options of `stats`: which services, stopped containers too. */
export interface StatsOptions extends ProjectOptions {
  services?: string[];
  /** Stopped containers too (they show zeros) (`-a`). */
  all?: boolean;
}

/** Resource usage of one container. */
export interface ContainerStats extends StatsSample {
  id: string;
  name: string;
  service: string;
}

/** One sample of resource usage of the services' containers (`stats --no-stream`). */
export async function stats(options: StatsOptions): Promise<ContainerStats[]> {
  return withProjectScope(options, options.services, async (session, scope) => {
    const containers = await findProjectContainers(session.engine, scope.name, { services: options.services, oneoff: 'include' });
    const wanted = options.all ? containers : containers.filter((c) => c.state === 'running');
    const samples = await Promise.all(wanted.map(async (c): Promise<ContainerStats | undefined> => {
      const base = { id: c.id, name: c.name, service: c.labels['com.docker.compose.service'] ?? '' };
      if (c.state !== 'running') return { ...base, ...ZERO };
      try {
        return { ...base, ...(await session.engine.stats(c.id)) };
      } catch (error) {
        if (error instanceof NotFoundError) return undefined; // removed meanwhile
        throw error;
      }
    }));
    return samples.filter((s): s is ContainerStats => s !== undefined);
  });
}

const ZERO: StatsSample = {
  cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0, netRxBytes: 0, netTxBytes: 0, blockReadBytes: 0,
  blockWriteBytes: 0, pids: 0,
};
