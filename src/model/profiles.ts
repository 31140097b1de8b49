/**
 * Profiles: a service without `profiles` is always part of the project; one with profiles only when one of
 * them is active (`*` activates all). Disabled services are kept aside (they are not orphans). Naming a
 * service on the command line enables it and activates its profiles, so its profiled siblings come along.
 */
import { FlotillaError } from '../errors.js';
import type { Project, Service } from './types.js';

export function hasProfile(service: Service, profiles: readonly string[]): boolean {
  const declared = service.profiles ?? [];
  if (declared.length === 0) return true;
  return profiles.some((p) => p === '*' || declared.includes(p));
}

export function applyProfiles(project: Project, profiles: readonly string[]): Project {
  const all = { ...project.disabled_services, ...project.services };
  const services: Record<string, Service> = {};
  const disabled: Record<string, Service> = {};
  for (const [name, service] of Object.entries(all)) {
    if (hasProfile(service, profiles)) services[name] = service;
    else disabled[name] = service;
  }
  return { ...project, services, disabled_services: disabled, profiles: [...profiles] };
}

export function enableServices(project: Project, names: readonly string[]): Project {
  const profiles = [...project.profiles];
  for (const name of names) {
    if (Object.hasOwn(project.services, name)) continue;
    const service = project.disabled_services[name];
    if (!service) throw new FlotillaError(`no such service: ${name}`, { hint: 'check the service name' });
    profiles.push(...(service.profiles ?? []));
  }
  return applyProfiles(project, [...new Set(profiles)]);
}
