/**
 * The canonical tree → the typed Project: services (to-model-service.ts) and the top-level resources, with
 * names defaulted as the reference's normalization does (`<project>_<key>`, or the key when external).
 */
import { InvalidFileError } from '../errors.js';
import type { Config, Model, Network, Project, Secret, Service, Volume } from './types.js';
import type { SourcePosition, TreePath } from './tags.js';
import { isMapping, TreeValueError } from './tree-canonical.js';
import { buildService } from './to-model-service.js';
import { formatPath } from './yaml.js';
import {
  bool, compact, extensionsOf, int, mappingOrEmpty, str, stringList, stringMapping, type Mapping, type Path,
} from './to-model-values.js';

export interface BuildProjectInput {
  name: string;
  workingDir: string;
  environment: Readonly<Record<string, string>>;
  locate?: (path: TreePath) => SourcePosition | undefined;
}

export function buildProject(dict: Mapping, input: BuildProjectInput): Project {
  try {
    return convert(dict, input);
  } catch (error) {
    if (!(error instanceof TreeValueError)) throw error;
    throw new InvalidFileError(`${formatPath(error.path)}: ${error.message}`, {
      position: input.locate?.(error.path),
      cause: error,
    });
  }
}

function convert(dict: Mapping, input: BuildProjectInput): Project {
  const services: Record<string, Service> = {};
  for (const [name, raw] of Object.entries(mappingOrEmpty(dict.services))) {
    services[name] = buildService(name, mappingOrEmpty(raw), ['services', name]);
  }
  const project: Project = {
    name: input.name,
    working_dir: input.workingDir,
    compose_files: [],
    services,
    networks: resources(dict.networks, 'networks', input.name, network),
    volumes: resources(dict.volumes, 'volumes', input.name, volume),
    secrets: resources(dict.secrets, 'secrets', input.name, secret),
    configs: resources(dict.configs, 'configs', input.name, secret) as Record<string, Config>,
    disabled_services: {},
    profiles: [],
    environment: { ...input.environment },
  };
  if (isMapping(dict.models)) {
    const models: Record<string, Model> = {};
    for (const [key, raw] of Object.entries(dict.models)) models[key] = model(mappingOrEmpty(raw), ['models', key]);
    project.models = models;
  }
  const extensions = extensionsOf(dict);
  if (extensions) project.extensions = extensions;
  return project;
}

function resources<T extends { name: string }>(
  value: unknown,
  kind: string,
  project: string,
  build: (raw: Mapping, path: Path) => Omit<T, 'name'> & { name?: string; external?: boolean },
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, raw] of Object.entries(mappingOrEmpty(value))) {
    const resource = build(mappingOrEmpty(raw), [kind, key]);
    const name = resource.name ?? (resource.external ? key : `${project}_${key}`);
    out[key] = { ...resource, name } as T;
  }
  return out;
}

function network(n: Mapping, path: Path): Omit<Network, 'name'> & { name?: string } {
  const ipam = isMapping(n.ipam)
    ? compact({
        driver: str(n.ipam.driver),
        config: Array.isArray(n.ipam.config)
          ? n.ipam.config.map((c, i) => {
              const m = mappingOrEmpty(c);
              return compact({
                subnet: str(m.subnet),
                ip_range: str(m.ip_range),
                gateway: str(m.gateway),
                aux_addresses: stringMapping(m.aux_addresses, [...path, 'ipam', 'config', i, 'aux_addresses']),
              });
            })
          : undefined,
        options: stringMapping(n.ipam.options, [...path, 'ipam', 'options']),
      })
    : undefined;
  return compact({
    name: str(n.name),
    driver: str(n.driver),
    driver_opts: stringMapping(n.driver_opts, [...path, 'driver_opts']),
    ipam,
    external: bool(n.external, [...path, 'external']),
    internal: bool(n.internal, [...path, 'internal']),
    attachable: bool(n.attachable, [...path, 'attachable']),
    enable_ipv4: bool(n.enable_ipv4, [...path, 'enable_ipv4']),
    enable_ipv6: bool(n.enable_ipv6, [...path, 'enable_ipv6']),
    labels: stringMapping(n.labels, [...path, 'labels']),
    extensions: extensionsOf(n),
  });
}

function volume(v: Mapping, path: Path): Omit<Volume, 'name'> & { name?: string } {
  return compact({
    name: str(v.name),
    driver: str(v.driver),
    driver_opts: stringMapping(v.driver_opts, [...path, 'driver_opts']),
    external: bool(v.external, [...path, 'external']),
    labels: stringMapping(v.labels, [...path, 'labels']),
    extensions: extensionsOf(v),
  });
}

function secret(s: Mapping, path: Path): Omit<Secret, 'name'> & { name?: string } {
  return compact({
    name: str(s.name),
    file: str(s.file),
    environment: str(s.environment),
    content: str(s.content),
    external: bool(s.external, [...path, 'external']),
    labels: stringMapping(s.labels, [...path, 'labels']),
    driver: str(s.driver),
    driver_opts: stringMapping(s.driver_opts, [...path, 'driver_opts']),
    template_driver: str(s.template_driver),
    extensions: extensionsOf(s),
  });
}

function model(m: Mapping, path: Path): Model {
  return compact({
    name: str(m.name),
    model: str(m.model) ?? '',
    context_size: int(m.context_size, [...path, 'context_size']),
    runtime_flags: stringList(m.runtime_flags),
    extensions: extensionsOf(m),
  });
}
