/**
 * Tree-level normalization of a merged, validated compose tree, as the reference loader does it
 * (compose-go `loader/normalize.go`): implicit defaults and implicit dependencies are made explicit so that
 * later stages (and `config` output) see them.
 *
 * - a service with neither `networks` nor `network_mode` (and no `provider`) gets `networks: {default: null}`,
 *   and a top-level `default` network is declared when some service uses it;
 * - networks, volumes, configs and secrets get a `name`: `<project>_<key>`, or the key itself when external;
 * - `build` gets `context: .` and `dockerfile: Dockerfile` (unless `dockerfile_inline`); build args without a
 *   value are taken from the environment, or dropped;
 * - environment entries without a value are taken from the environment when it defines them, else kept bare;
 * - `links`, `network_mode|ipc|pid|uts|cgroup: service:x` add `depends_on` entries with `restart: true`,
 *   `volumes_from: [x]` with `restart: false`; an explicit `depends_on` entry is never changed;
 * - `pull_policy: if_not_present` becomes `missing`; long volume targets are cleaned (`/data/` → `/data`);
 * - `pre_start` hooks without an image run the service image.
 *
 * The input may still be in short syntax where the reference loader expects the canonical form (depends_on,
 * networks as lists, build as a string): those are read as their long form.
 */
import path from 'node:path';
import { FlotillaError } from '../errors.js';

type Mapping = Record<string, unknown>;

const SERVICE_PREFIX = 'service:';
const CONTAINER_PREFIX = 'container:';
const NAMESPACES = ['network_mode', 'ipc', 'pid', 'uts', 'cgroup'] as const;
const RESOURCES = ['networks', 'volumes', 'configs', 'secrets'] as const;

/**
 * Returns a normalized copy of `tree` (the input is not mutated).
 * @param env the variable environment used to resolve bare environment entries and build args
 * @param projectName when given, it becomes the tree's `name` (the loader's resolved project name wins over the
 *   file's `name:`); otherwise the tree's own `name` prefixes resource names.
 */
export function normalizeTree(
  tree: unknown,
  env: Readonly<Record<string, string>> | null = null,
  projectName?: string,
): unknown {
  if (!isMapping(tree)) return tree;
  const dict = structuredClone(tree) as Mapping;
  if (projectName !== undefined) dict['name'] = projectName;
  const lookup = (key: string): string | undefined => (env && Object.hasOwn(env, key) ? env[key] : undefined);

  normalizeNetworks(dict);

  const services = dict['services'];
  if (isMapping(services)) {
    for (const [name, value] of Object.entries(services)) {
      if (!isMapping(value)) continue;
      services[name] = normalizeService(value, lookup);
    }
  }
  setNameFromKey(dict);
  return dict;
}

function normalizeService(service: Mapping, lookup: (key: string) => string | undefined): Mapping {
  if (service['pull_policy'] === 'if_not_present') service['pull_policy'] = 'missing';

  if (Object.hasOwn(service, 'build')) {
    const raw = service['build'];
    const build: Mapping = typeof raw === 'string' ? { context: raw } : isMapping(raw) ? raw : {};
    if (build['context'] === null || build['context'] === undefined) build['context'] = '.';
    if (isNil(build['dockerfile']) && isNil(build['dockerfile_inline'])) build['dockerfile'] = 'Dockerfile';
    if (Object.hasOwn(build, 'args')) build['args'] = resolveVariables(build['args'], lookup, false);
    service['build'] = build;
  }

  if (Object.hasOwn(service, 'environment')) {
    service['environment'] = resolveVariables(service['environment'], lookup, true);
  }

  const dependsOn = dependsOnMapping(service['depends_on']);
  const implicit = (target: string, restart: boolean) => {
    if (!Object.hasOwn(dependsOn, target)) {
      dependsOn[target] = { condition: 'service_started', restart, required: true };
    }
  };

  const links = service['links'];
  if (Array.isArray(links)) {
    for (const link of links) {
      if (typeof link !== 'string') continue;
      const parts = link.split(':');
      implicit(parts.length === 2 ? parts[0]! : link, true);
    }
  }

  for (const namespace of NAMESPACES) {
    const ref = service[namespace];
    if (typeof ref === 'string' && ref.startsWith(SERVICE_PREFIX)) implicit(ref.slice(SERVICE_PREFIX.length), true);
  }

  const volumes = service['volumes'];
  if (Array.isArray(volumes)) {
    for (const volume of volumes) {
      if (isMapping(volume) && typeof volume['target'] === 'string') volume['target'] = cleanPath(volume['target']);
    }
  }

  const volumesFrom = service['volumes_from'];
  if (Array.isArray(volumesFrom)) {
    for (const entry of volumesFrom) {
      if (typeof entry !== 'string' || entry.startsWith(CONTAINER_PREFIX)) continue;
      implicit(entry.split(':')[0]!, false);
    }
  }

  if (Object.keys(dependsOn).length > 0) service['depends_on'] = dependsOn;

  inheritPreStartImage(service);
  return service;
}

/** depends_on as a mapping; the list form means `condition: service_started, required: true` for each. */
function dependsOnMapping(value: unknown): Mapping {
  if (isMapping(value)) return value;
  const out: Mapping = {};
  if (Array.isArray(value)) {
    for (const name of value) {
      if (typeof name === 'string') out[name] = { condition: 'service_started', required: true };
    }
  }
  return out;
}

/**
 * Entries without a value (`KEY` in a list, `KEY: null` in a mapping) take the environment's value.
 * When the environment does not define them they are kept for `environment` (resolved later from env files or
 * left unset) and dropped for build args. Other entries are kept as they are.
 */
function resolveVariables(value: unknown, lookup: (key: string) => string | undefined, keepUnset: boolean): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const entry of value) {
      if (typeof entry !== 'string') continue;
      if (entry.includes('=')) {
        out.push(entry);
        continue;
      }
      const found = lookup(entry);
      if (found !== undefined) out.push(`${entry}=${found}`);
      else if (keepUnset) out.push(entry);
    }
    return out;
  }
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const [key, v] of Object.entries(value)) {
      if (v !== null && v !== undefined) {
        out[key] = v;
        continue;
      }
      const found = lookup(key);
      if (found !== undefined) out[key] = found;
      else if (keepUnset) out[key] = null;
    }
    return out;
  }
  return value;
}

function inheritPreStartImage(service: Mapping): void {
  const hooks = service['pre_start'];
  const image = service['image'];
  if (!Array.isArray(hooks) || typeof image !== 'string' || image === '') return;
  for (const hook of hooks) {
    if (isMapping(hook) && !Object.hasOwn(hook, 'image')) hook['image'] = image;
  }
}

/** Attaches services without networking settings to the implicit `default` network, declared only when used. */
function normalizeNetworks(dict: Mapping): void {
  const declared = dict['networks'];
  const networks: Mapping = isMapping(declared) ? declared : {};
  let usesDefault = false;

  const services = dict['services'];
  if (isMapping(services)) {
    for (const service of Object.values(services)) {
      if (!isMapping(service)) continue;
      if (Object.hasOwn(service, 'provider') || Object.hasOwn(service, 'network_mode')) continue;
      const attached = service['networks'];
      if (Array.isArray(attached) && attached.length > 0) {
        // List form: same meaning as a mapping with null values.
        service['networks'] = Object.fromEntries(attached.map((n) => [String(n), null]));
      }
      const current = service['networks'];
      if (!isMapping(current) || Object.keys(current).length === 0) {
        service['networks'] = { default: null };
        usesDefault = true;
      } else if (Object.hasOwn(current, 'default')) {
        usesDefault = true;
      }
    }
  }

  if (usesDefault && !Object.hasOwn(networks, 'default')) networks['default'] = null;
  if (Object.keys(networks).length > 0) dict['networks'] = networks;
}

/** Resources without an explicit name are named after their key, prefixed by the project unless external. */
function setNameFromKey(dict: Mapping): void {
  for (const kind of RESOURCES) {
    const resources = dict[kind];
    if (!isMapping(resources)) continue;
    for (const [key, value] of Object.entries(resources)) {
      const resource: Mapping = isMapping(value) ? value : {};
      if (resource['name'] === null || resource['name'] === undefined) {
        if (Object.hasOwn(resource, 'external') && isTrue(resource['external'])) {
          resource['name'] = key;
        } else {
          const project = dict['name'];
          if (typeof project !== 'string' || project === '') {
            throw new FlotillaError('project name must not be empty');
          }
          resource['name'] = `${project}_${key}`;
        }
      }
      resources[key] = resource;
    }
  }
}

/** True for the spellings Go's strconv.ParseBool accepts as true (an interpolated `external` may be a string). */
function isTrue(value: unknown): boolean {
  return value === true || value === 1 || ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(String(value));
}

/** Go's path.Clean: no trailing slash, no `.` or `..` segments, no repeated slashes. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const cleaned = path.posix.normalize(p);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNil(value: unknown): boolean {
  return value === null || value === undefined;
}
