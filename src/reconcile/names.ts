/**
 * Engine-side names, as Docker Compose gives them, so both tools find the same containers, networks and volumes.
 */
import type { Project, Service } from '../model/types.js';

export interface NamingOptions {
  /** Docker Compose v1 style `<project>_<service>_<n>` (COMPOSE_COMPATIBILITY). */
  compatibility?: boolean;
}

/** `<project>-<service>-<n>`, `_` in compatibility mode, unless `container_name` is set. */
export function containerName(project: Project, service: Service, number: number, options: NamingOptions = {}): string {
  if (service.container_name) return service.container_name;
  const sep = options.compatibility ? '_' : '-';
  return [project.name, service.name, String(number)].join(sep);
}

/** `<project>-<service>-run-<slug12>` for `run` containers. */
export function oneOffContainerName(project: Project, service: Service, slug: string, options: NamingOptions = {}): string {
  const sep = options.compatibility ? '_' : '-';
  return [project.name, service.name, 'run', slug.slice(0, 12)].join(sep);
}

/** The name a replacement is created under while the old container still holds the final name. */
export function temporaryContainerName(oldId: string, finalName: string): string {
  return `${oldId.slice(0, 12)}_${finalName}`;
}

/** Engine name of a declared network (the model's `name`), or the `<project>_<key>` default. */
export function networkName(project: Project, key: string): string {
  return project.networks[key]?.name ?? defaultResourceName(project.name, key);
}

export function volumeName(project: Project, key: string): string {
  return project.volumes[key]?.name ?? defaultResourceName(project.name, key);
}

/** Networks and volumes always use `_`, whatever the container separator. */
export function defaultResourceName(projectName: string, key: string): string {
  return `${projectName}_${key}`;
}

/** The tag of an image built for a service without `image:`: `<project>-<service>`. */
export function serviceImageName(project: Project, service: Service): string {
  return service.image ?? `${project.name}-${service.name}`;
}
