/**
 * Short syntax → long syntax on the raw document tree, as the reference loader does after each file is merged
 * (transform.Canonical), and the defaults it sets on the merged tree (transform.SetDefaultValues). Working on the
 * tree keeps the later merges and de-duplication identical to the reference's; the typed model is built after.
 * Trees are plain JSON-like values; these functions mutate the tree they are given.
 */
import { OverrideTag, ResetTag } from './tags.js';
import { parsePortSpec } from './port-spec.js';
import { parseVolumeSpec } from './volume-spec.js';

type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof ResetTag) &&
    !(value instanceof OverrideTag)
  );
}

/**
 * Runs `fn` on a service whose `!reset`/`!override` attributes are unwrapped, then wraps them again: the base of
 * an `extends` keeps its tags until it is merged, yet its short syntaxes and paths must be resolved first.
 */
export function withUntaggedAttributes(service: Mapping, fn: (service: Mapping) => void): void {
  const wrapped: Array<[string, typeof ResetTag | typeof OverrideTag]> = [];
  for (const [key, value] of Object.entries(service)) {
    if (value instanceof ResetTag || value instanceof OverrideTag) {
      wrapped.push([key, value instanceof ResetTag ? ResetTag : OverrideTag]);
      service[key] = value.value;
    }
  }
  fn(service);
  for (const [key, Tag] of wrapped) service[key] = new Tag(service[key]);
}

/** An error in the shape of a value, with the tree path where it is. */
export class TreeValueError extends Error {
  constructor(
    readonly path: ReadonlyArray<string | number>,
    message: string,
  ) {
    super(message);
  }
}

/** Converts every short syntax of a (merged) compose tree into its long form. */
export function canonicalizeTree(tree: Mapping): Mapping {
  const services = tree.services;
  if (isMapping(services)) {
    for (const [name, service] of Object.entries(services)) {
      if (isMapping(service)) withUntaggedAttributes(service, (s) => canonicalizeService(s, ['services', name]));
    }
  }
  for (const kind of ['volumes', 'networks', 'secrets', 'configs']) {
    const resources = tree[kind];
    if (!isMapping(resources)) continue;
    for (const [key, resource] of Object.entries(resources)) {
      if (isMapping(resource)) canonicalizeExternal(resource, [kind, key]);
    }
  }
  if (Array.isArray(tree.include)) {
    tree.include = tree.include.map((item) => (typeof item === 'string' ? { path: item } : item));
  }
  return tree;
}

function canonicalizeService(service: Mapping, path: string[]): void {
  const at = (key: string) => [...path, key];
  if (typeof service.build === 'string') service.build = { context: service.build };
  if (isMapping(service.build)) canonicalizeBuild(service.build, at('build'));
  if ('depends_on' in service) service.depends_on = canonicalDependsOn(service.depends_on, at('depends_on'));
  if ('env_file' in service) service.env_file = canonicalEnvFile(service.env_file);
  for (const key of ['label_file', 'dns']) {
    if (typeof service[key] === 'string') service[key] = [service[key]];
  }
  // an unset variable in `dns: ${X}` leaves nothing, not one empty server
  if (Array.isArray(service.dns)) service.dns = service.dns.filter((d) => d !== null && d !== '');
  if (typeof service.extends === 'string') service.extends = { service: service.extends };
  if (service.gpus === 'all' || typeof service.gpus === 'string') service.gpus = [{ count: 'all' }];
  for (const key of ['networks', 'models']) {
    if (Array.isArray(service[key])) service[key] = listToNullMapping(service[key] as unknown[]);
  }
  if (Array.isArray(service.volumes)) {
    service.volumes = service.volumes.map((v, i) => {
      if (typeof v !== 'string') return v;
      try {
        return parseVolumeSpec(v);
      } catch (error) {
        throw new TreeValueError([...at('volumes'), i], (error as Error).message);
      }
    });
  }
  if (Array.isArray(service.devices)) service.devices = service.devices.map(canonicalDevice);
  for (const key of ['secrets', 'configs']) {
    if (Array.isArray(service[key])) {
      service[key] = (service[key] as unknown[]).map((s) => (typeof s === 'string' ? { source: s } : s));
    }
  }
  if (Array.isArray(service.ports)) {
    service.ports = service.ports.flatMap((p, i): unknown[] => {
      if (isMapping(p)) return [p];
      try {
        return parsePortSpec(String(p));
      } catch (error) {
        throw new TreeValueError([...at('ports'), i], (error as Error).message);
      }
    });
  }
  const develop = service.develop;
  if (isMapping(develop) && Array.isArray(develop.watch)) {
    for (const rule of develop.watch) {
      if (!isMapping(rule)) continue;
      for (const key of ['ignore', 'include']) if (typeof rule[key] === 'string') rule[key] = [rule[key]];
    }
  }
}

function canonicalizeBuild(build: Mapping, path: Array<string | number>): void {
  if (Array.isArray(build.secrets)) {
    build.secrets = build.secrets.map((s) => (typeof s === 'string' ? { source: s } : s));
  }
  for (const key of ['provenance', 'sbom']) {
    if (key in build && typeof build[key] !== 'string') build[key] = String(build[key]);
  }
  if (Array.isArray(build.additional_contexts)) {
    build.additional_contexts = keyValueList(build.additional_contexts, [...path, 'additional_contexts']);
  }
  if (Array.isArray(build.ssh)) {
    const ssh: Mapping = {};
    for (const entry of build.ssh) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq < 0) {
        if (text !== 'default') throw new TreeValueError([...path, 'ssh'], `invalid ssh key "${text}"`);
        ssh[text] = null;
      } else ssh[text.slice(0, eq)] = text.slice(eq + 1);
    }
    build.ssh = ssh;
  }
}

function keyValueList(list: unknown[], path: Array<string | number>): Mapping {
  const out: Mapping = {};
  for (const entry of list) {
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq < 0) throw new TreeValueError(path, `invalid value ${text}, expected key=value`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

function canonicalDependsOn(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) {
    const out: Mapping = {};
    for (const name of value) out[String(name)] = { condition: 'service_started', required: true };
    return out;
  }
  if (isMapping(value)) {
    for (const [name, entry] of Object.entries(value)) {
      if (entry === null || entry === undefined) {
        value[name] = { condition: 'service_started', required: true };
        continue;
      }
      if (!isMapping(entry)) throw new TreeValueError([...path, name], `unsupported value ${String(entry)}`);
      if (!('condition' in entry)) entry.condition = 'service_started';
      if (!('required' in entry)) entry.required = true;
    }
  }
  return value;
}

function canonicalEnvFile(value: unknown): unknown {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) return value;
  return list.map((entry) => {
    if (typeof entry === 'string') return { path: entry, required: true };
    if (isMapping(entry) && !('required' in entry)) entry.required = true;
    return entry;
  });
}

function canonicalDevice(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parts = value.split(':');
  if (parts.length > 3) throw new Error(`confusing device mapping, please use long syntax: ${value}`);
  const source = parts[0] ?? '';
  const target = parts[1] || source;
  return { source, target, permissions: parts[2] ?? 'rwm' };
}

function canonicalizeExternal(resource: Mapping, path: string[]): void {
  const external = resource.external;
  if (!isMapping(external)) return;
  resource.external = true;
  if ('name' in external) {
    if ('name' in resource && resource.name !== external.name) {
      throw new TreeValueError(path, `${path.join('.')}: name and external.name conflict; only use name`);
    }
    resource.name = external.name;
  }
}

function listToNullMapping(list: unknown[]): Mapping {
  const out: Mapping = {};
  for (const item of list) out[String(item)] = null;
  return out;
}

/** Defaults the reference sets on the merged tree before building the model (SetDefaultValues). */
export function setTreeDefaults(tree: Mapping): Mapping {
  const services = tree.services;
  if (!isMapping(services)) return tree;
  for (const service of Object.values(services)) {
    if (!isMapping(service)) continue;
    if (isMapping(service.build) && !('context' in service.build)) service.build.context = '.';
    if (Array.isArray(service.secrets)) {
      for (const secret of service.secrets) {
        if (isMapping(secret) && !('target' in secret)) secret.target = `/run/secrets/${String(secret.source)}`;
      }
    }
    if (Array.isArray(service.ports)) {
      for (const port of service.ports) {
        if (!isMapping(port)) continue;
        if (!('protocol' in port)) port.protocol = 'tcp';
        if (!('mode' in port)) port.mode = 'ingress';
      }
    }
    if (Array.isArray(service.volumes)) {
      for (const volume of service.volumes) {
        if (isMapping(volume) && isMapping(volume.bind) && !('create_host_path' in volume.bind)) {
          volume.bind.create_host_path = true;
        }
      }
    }
    const requests: unknown[] = [];
    if (Array.isArray(service.gpus)) requests.push(...service.gpus);
    const devices = pathGet(service, ['deploy', 'resources', 'reservations', 'devices']);
    if (Array.isArray(devices)) requests.push(...devices);
    for (const request of requests) {
      if (isMapping(request) && !('count' in request) && !('device_ids' in request)) request.count = 'all';
    }
  }
  return tree;
}

export function pathGet(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = value;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isMapping(node)) node = node[String(key)];
    else return undefined;
  }
  return node;
}
