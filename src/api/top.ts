/** `top`: the processes running in each of the project's running containers. */
import type { ProjectOptions } from './options.js';
import { findProjectContainers, withProjectScope } from './project-containers.js';

/** Options of `top`: which services. */
export interface TopOptions extends ProjectOptions {
  services?: string[];
}

/** The processes of one container, as `ps` columns. */
export interface ContainerProcesses {
  /** Container name. */
  name: string;
  service: string;
  /** Column titles (UID, PID, PPID, C, STIME, TTY, TIME, CMD). */
  titles: string[];
  processes: string[][];
}

/** The processes running in the services' containers (`top`). */
export async function top(options: TopOptions): Promise<ContainerProcesses[]> {
  return withProjectScope(options, options.services, async (session, scope) => {
    const containers = await findProjectContainers(session.engine, scope.name, {
      services: options.services, oneoff: 'include', states: ['running'],
    });
    return Promise.all(containers.map(async (c) => {
      const result = await session.engine.top(c.id);
      return { name: c.name, service: c.labels['com.docker.compose.service'] ?? '', ...result };
    }));
  });
}
