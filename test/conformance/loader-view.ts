/**
 * The loaded Project seen in the shape of the reference's typed model, which the loader vectors assert on:
 * services without `name`, `x-*` keys inline, extra_hosts as host → addresses, build.ssh as {id, path},
 * a ulimit with equal soft and hard limits as one number, a device request count `all` as -1.
 */
import type { Project, Service } from '../../src/model/types.js';

type Mapping = Record<string, unknown>;

export function composeGoView(project: Project): Mapping {
  const view: Mapping = {
    name: project.name,
    services: mapValues(project.services, serviceView),
    networks: mapValues(project.networks, inlineExtensions),
    volumes: mapValues(project.volumes, inlineExtensions),
    secrets: mapValues(project.secrets, inlineExtensions),
    configs: mapValues(project.configs, inlineExtensions),
    $environment: project.environment,
    $compose_files: project.compose_files,
  };
  if (project.models) view.models = mapValues(project.models, inlineExtensions);
  Object.assign(view, project.extensions ?? {});
  return view;
}

function serviceView(service: Service): Mapping {
  const { name: _name, ...rest } = service;
  const out = inlineExtensions(rest) as Mapping;
  if (service.extra_hosts) out.extra_hosts = hostsView(service.extra_hosts);
  if (service.ulimits) out.ulimits = mapValues(service.ulimits, (u) => (u.soft === u.hard ? u.soft : u));
  if (service.gpus) out.gpus = service.gpus.map(deviceView);
  if (service.volumes) out.volumes = service.volumes.map((v) => inlineExtensions(v));
  const devices = service.deploy?.resources?.reservations?.devices;
  if (devices) {
    out.deploy = structuredClone(service.deploy);
    (out.deploy as { resources: { reservations: { devices: unknown } } }).resources.reservations.devices =
      devices.map(deviceView);
  }
  if (service.build) {
    const build = inlineExtensions(service.build) as Mapping;
    if (service.build.ssh) {
      build.ssh = service.build.ssh.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? { id: entry, path: '' } : { id: entry.slice(0, eq), path: entry.slice(eq + 1) };
      });
    }
    if (service.build.extra_hosts) build.extra_hosts = hostsView(service.build.extra_hosts);
    out.build = build;
  }
  return out;
}

function deviceView(device: { count?: number | 'all' }): Mapping {
  return { ...device, ...(device.count === 'all' ? { count: -1 } : {}) } as Mapping;
}

function hostsView(entries: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    (out[entry.slice(0, eq)] ??= []).push(entry.slice(eq + 1));
  }
  return out;
}

function inlineExtensions<T extends object>(value: T): Mapping {
  const { extensions, ...rest } = value as Mapping;
  return { ...rest, ...((extensions as Mapping | undefined) ?? {}) };
}

function mapValues<T>(map: Record<string, T>, convert: (value: T) => unknown): Mapping {
  const out: Mapping = {};
  for (const [key, value] of Object.entries(map)) out[key] = convert(value);
  return out;
}
