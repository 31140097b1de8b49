/**
 * Finding a project's containers by service and replica number, and checking the service names a command was
 * given. Every "run and observe" command starts here.
 */
import type { ContainerState, ContainerSummary, Engine } from '../engine/types.js';
import { FlotillaError } from '../errors.js';
import type { Project } from '../model/types.js';
import { Label } from '../reconcile/labels.js';
import { loadOptionalProject } from './lifecycle.js';
import type { ProjectOptions } from './options.js';
import { withSession, type Session } from './session.js';
import { closestName } from './suggest.js';

/** The project a command works on: its name, and its model when a compose file was found. */
export interface ProjectScope {
  name: string;
  /** Absent when only `-p NAME` was given and no compose file exists: the containers' labels stand in for it. */
  project?: Project;
}

/** Which of a project's containers a command wants. */
export interface ContainerQuery {
  /** Only these services; empty or absent: all. */
  services?: string[];
  /** Only the replica with this `container-number` (`--index`). */
  index?: number;
  /** One-off (`run`) containers: left out (default), included, or the only ones. */
  oneoff?: 'exclude' | 'include' | 'only';
  /** Only containers in these states; absent: any state. */
  states?: ContainerState[];
}

/** A service name that is neither in the compose file nor on any of the project's containers. */
export class NoSuchServiceError extends FlotillaError {
  constructor(readonly service: string, readonly suggestion?: string) {
    super(`no such service: ${service}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`);
    this.name = 'NoSuchServiceError';
  }
}

/** Loads the project (or settles for `-p NAME` alone) without touching the engine. */
export async function resolveProjectScope(options: ProjectOptions): Promise<ProjectScope> {
  const project = await loadOptionalProject(options);
  const name = project?.name ?? options.projectName;
  if (!name) throw new FlotillaError('no project name: give -p NAME or run from a directory with a compose file');
  return project ? { name, project } : { name };
}

/**
 * Opens a session on the project and checks the requested service names before `work` runs, so a typo fails
 * with a suggestion instead of silently matching nothing.
 */
export async function withProjectScope<T>(options: ProjectOptions, services: string[] | undefined,
  work: (session: Session, scope: ProjectScope) => Promise<T>): Promise<T> {
  const scope = await resolveProjectScope(options);
  return withSession(options, async (session) => {
    await checkServices(session.engine, scope, services ?? []);
    return work(session, scope);
  });
}

/** Throws NoSuchServiceError for the first name that the file (or, without a file, the labels) does not know. */
export async function checkServices(engine: Engine, scope: ProjectScope, services: string[]): Promise<void> {
  if (services.length === 0) return;
  const known = await knownServices(engine, scope);
  for (const service of services) {
    if (!known.includes(service)) throw new NoSuchServiceError(service, closestName(service, known));
  }
}

/** The file's services, profile-disabled ones included; without a file, the services found on containers. */
export async function knownServices(engine: Engine, scope: ProjectScope): Promise<string[]> {
  if (scope.project) {
    return [...Object.keys(scope.project.services), ...Object.keys(scope.project.disabled_services)].sort();
  }
  const containers = await engine.listContainers({ all: true, labels: { [Label.project]: scope.name } });
  return [...new Set(containers.map(serviceOf).filter((s) => s !== ''))].sort();
}

/** The project's containers that match the query, sorted by service then replica number. */
export async function findProjectContainers(engine: Engine, projectName: string, query: ContainerQuery = {}):
  Promise<ContainerSummary[]> {
  const listed = await engine.listContainers({ all: true, labels: { [Label.project]: projectName } });
  return filterContainers(listed, query).sort(byServiceAndNumber);
}

/** The query applied to a listing (pure, so that followers of new containers can reuse it). */
export function filterContainers(containers: ContainerSummary[], query: ContainerQuery): ContainerSummary[] {
  const services = query.services && query.services.length > 0 ? new Set(query.services) : undefined;
  const oneoff = query.oneoff ?? 'exclude';
  return containers.filter((c) => {
    if (c.labels[Label.service] === undefined) return false;
    if (services && !services.has(serviceOf(c))) return false;
    const isOneoff = isOneOff(c);
    if (oneoff === 'exclude' && isOneoff) return false;
    if (oneoff === 'only' && !isOneoff) return false;
    if (query.index !== undefined && numberOf(c) !== query.index) return false;
    if (query.states && !query.states.includes(c.state)) return false;
    return true;
  });
}

/**
 * The one container of a service a command acts on (exec, port, attach, cp from): the replica `index`, else
 * the lowest-numbered one. `running` insists that it runs, as Docker Compose's exec does.
 */
export async function serviceContainer(engine: Engine, projectName: string, service: string,
  options: { index?: number; running?: boolean; oneoff?: ContainerQuery['oneoff'] } = {}): Promise<ContainerSummary> {
  const candidates = await findProjectContainers(engine, projectName, {
    services: [service], index: options.index, oneoff: options.oneoff,
  });
  const usable = options.running ? candidates.filter((c) => c.state === 'running') : candidates;
  const chosen = usable[0];
  if (!chosen) {
    const which = options.index !== undefined ? ` container #${options.index}` : '';
    throw new FlotillaError(options.running
      ? `service "${service}" is not running${which}`
      : `no container found for service "${service}"${which}`);
  }
  return chosen;
}

export function serviceOf(container: ContainerSummary): string {
  return container.labels[Label.service] ?? '';
}

/** Replica number; 0 for one-off containers (they have none). */
export function numberOf(container: ContainerSummary): number {
  return Number(container.labels[Label.containerNumber] ?? 0);
}

export function isOneOff(container: ContainerSummary): boolean {
  return container.labels[Label.oneoff] === 'True';
}

/** `web-1` for `proj-web-1`: the name without the project prefix, as Docker Compose shows it in logs. */
export function shortName(container: { name: string }, projectName: string): string {
  for (const sep of ['-', '_']) {
    const prefix = projectName + sep;
    if (container.name.startsWith(prefix) && container.name.length > prefix.length) return container.name.slice(prefix.length);
  }
  return container.name;
}

export function byServiceAndNumber(a: ContainerSummary, b: ContainerSummary): number {
  const sa = serviceOf(a);
  const sb = serviceOf(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== nb) return na - nb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
