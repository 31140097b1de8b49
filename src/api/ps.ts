/** `ps`: the project's containers as plain rows, from the engine's listing (one call). */
import type { ContainerState, MountInfo, PublishedPort } from '../engine/types.js';
import { Label } from '../reconcile/labels.js';
import type { PsOptions } from './options.js';
import { loadOptionalProject } from './lifecycle.js';
import { withSession } from './session.js';

/** One container of the project, as `ps` shows it. */
export interface ContainerStatus {
  id: string;
  name: string;
  project: string;
  service: string;
  /** Replica number; 0 for one-off containers. */
  number: number;
  image: string;
  command: string;
  state: ContainerState;
  /** The engine's words, e.g. "Up 3 minutes (healthy)". */
  status: string;
  /** Health status parsed from the status, when there is a healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** ms since the epoch. */
  created: number;
  ports: PublishedPort[];
  oneoff: boolean;
  /** The exit code of an exited container (read from its status, "Exited (3) ..."); 0 otherwise. */
  exitCode: number;
  labels: Record<string, string>;
  /** Names of the networks it is attached to. */
  networks: string[];
  mounts: MountInfo[];
}

export async function listContainers(options: PsOptions): Promise<ContainerStatus[]> {
  const project = await loadOptionalProject(options);
  const name = project?.name ?? options.projectName!;
  return withSession(options, async (session) => {
    const containers = await session.engine.listContainers({ all: true, labels: { [Label.project]: name } });
    const services = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
    const status = options.status && options.status.length > 0 ? new Set(options.status) : undefined;
    return containers
      .filter((c) => c.labels[Label.configHash] !== undefined || c.labels[Label.service] !== undefined)
      .filter((c) => !services || services.has(c.labels[Label.service] ?? ''))
      .filter((c) => (status ? status.has(c.state) : options.all || c.state === 'running' || c.state === 'restarting' || c.state === 'paused'))
      .map((c): ContainerStatus => {
        const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.status)?.[1];
        return {
          id: c.id, name: c.name, project: name, service: c.labels[Label.service] ?? '',
          number: Number(c.labels[Label.containerNumber] ?? 0), image: c.image, command: c.command ?? '', state: c.state,
          status: c.status, ...(health ? { health: health === 'health: starting' ? 'starting' : health as 'healthy' | 'unhealthy' } : {}),
          created: c.created, ports: c.ports, oneoff: c.labels[Label.oneoff] === 'True',
          exitCode: Number(/^Exited \((\d+)\)/.exec(c.status)?.[1] ?? 0), labels: c.labels,
          networks: Object.keys(c.networks).sort(), mounts: c.mounts,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}
