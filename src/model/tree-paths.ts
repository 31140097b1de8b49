/**
 * Makes the relative paths of a canonical compose tree absolute against a base directory (the reference's
 * ResolveRelativePaths). A relative base gives relative results joined onto it, which is what the reference does
 * for files reached through `extends` and `include`: their paths become relative to the project directory.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isMapping, withUntaggedAttributes } from './tree-canonical.js';
import { goJoin } from './go-path.js';

type Mapping = Record<string, unknown>;

export function expandUser(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

function absPath(base: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const expanded = expandUser(value);
  if (expanded === '' || isAbsolute(expanded)) return expanded;
  return goJoin(base, expanded);
}

function isWindowsAbs(path: string): boolean {
  return /^[a-zA-Z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

function maybeUnixPath(base: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const expanded = expandUser(value);
  if (isAbsolute(expanded) || isWindowsAbs(expanded)) return expanded;
  return goJoin(base, expanded);
}

const REMOTE_CONTEXT_PREFIXES = ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'];

export function isRemoteContext(value: string): boolean {
  return value.includes('://') || value.startsWith('service:') || REMOTE_CONTEXT_PREFIXES.some((p) => value.startsWith(p));
}

function absContextPath(base: string, value: unknown): unknown {
  if (typeof value !== 'string' || isRemoteContext(value)) return value;
  return absPath(base, value);
}

export function resolveTreePaths(tree: Mapping, base: string): Mapping {
  const services = tree.services;
  if (isMapping(services)) {
    for (const service of Object.values(services)) {
      if (isMapping(service)) withUntaggedAttributes(service, (s) => resolveServicePaths(s, base));
    }
  }
  for (const kind of ['configs', 'secrets']) {
    const resources = tree[kind];
    if (!isMapping(resources)) continue;
    for (const resource of Object.values(resources)) {
      if (isMapping(resource) && 'file' in resource) resource.file = maybeUnixPath(base, resource.file);
    }
  }
  if (isMapping(tree.volumes)) {
    for (const volume of Object.values(tree.volumes)) {
      if (!isMapping(volume) || volume.driver !== 'local' || !isMapping(volume.driver_opts)) continue;
      const opts = volume.driver_opts;
      if (opts.o === 'bind' && 'device' in opts) opts.device = maybeUnixPath(base, opts.device);
    }
  }
  if (Array.isArray(tree.include)) {
    for (const item of tree.include) {
      if (!isMapping(item)) continue;
      for (const key of ['path', 'project_directory', 'env_file']) {
        if (Array.isArray(item[key])) item[key] = (item[key] as unknown[]).map((p) => absPath(base, p));
        else if (key in item) item[key] = absPath(base, item[key]);
      }
    }
  }
  return tree;
}

function resolveServicePaths(service: Mapping, base: string): void {
  const build = service.build;
  if (isMapping(build)) {
    if ('context' in build) build.context = absContextPath(base, build.context);
    if (isMapping(build.additional_contexts)) {
      for (const [k, v] of Object.entries(build.additional_contexts)) {
        build.additional_contexts[k] = absContextPath(base, v);
      }
    }
    if (isMapping(build.ssh)) {
      for (const [k, v] of Object.entries(build.ssh)) build.ssh[k] = maybeUnixPath(base, v);
    }
  }
  if (Array.isArray(service.env_file)) {
    for (const entry of service.env_file) {
      if (isMapping(entry) && 'path' in entry) entry.path = absPath(base, entry.path);
    }
  }
  if (Array.isArray(service.label_file)) service.label_file = service.label_file.map((p) => absPath(base, p));
  if (isMapping(service.extends) && typeof service.extends.file === 'string') {
    service.extends.file = absPath(base, service.extends.file);
  }
  const develop = service.develop;
  if (isMapping(develop) && Array.isArray(develop.watch)) {
    for (const rule of develop.watch) if (isMapping(rule) && 'path' in rule) rule.path = absPath(base, rule.path);
  }
  if (Array.isArray(service.volumes)) {
    for (const volume of service.volumes) {
      if (!isMapping(volume) || volume.type !== 'bind') continue;
      if (!('source' in volume)) {
        throw new Error('invalid mount config for type "bind": field Source must not be empty');
      }
      volume.source = maybeUnixPath(base, volume.source);
    }
  }
}
