/**
 * `cp`: files between a service's container and the local machine, in either direction, with `docker cp`'s
 * rules for where things land (into an existing directory, or under the destination's name; `dir/.` copies a
 * directory's contents). Through the engine's archive calls, so it works on stopped containers too.
 */
import { lstat, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { posix } from 'node:path';
import { NotFoundError } from '../engine/errors.js';
import type { ContainerSummary, Engine } from '../engine/types.js';
import { FlotillaError } from '../errors.js';
import { extractLocal, firstEntry, packLocal } from './cp-archive.js';
import type { ProjectOptions } from './options.js';
import { findProjectContainers, serviceContainer, withProjectScope } from './project-containers.js';

/** Options of `cp`: source and destination (`service:path` on one side), replica, archive mode, links. */
export interface CopyOptions extends ProjectOptions {
  /** `service:path` or a local path. */
  source: string;
  /** `service:path` or a local path; exactly one of the two is a service path. */
  destination: string;
  /** Replica number (`--index`); copying into a service without it goes to every replica. */
  index?: number;
  /** Include one-off (`run`) containers (`--all`). */
  all?: boolean;
  /** Keep owners (uid/gid) of what is copied into the container (`-a`). */
  archive?: boolean;
  /** Follow a symlink given as the source (`-L`). */
  followLink?: boolean;
}

/** A `service:path` argument, or undefined for a local path (absolute or relative ones never are). */
export function parseServicePath(arg: string): { service: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  const service = arg.slice(0, colon);
  if (service.includes('/')) return undefined;
  return { service, path: arg.slice(colon + 1) || '/' };
}

/** Copies files between a service container and the local filesystem (`cp`), keeping modes. */
export async function copy(options: CopyOptions): Promise<void> {
  const from = parseServicePath(options.source);
  const to = parseServicePath(options.destination);
  if (from && to) throw new FlotillaError('copying between services is not supported');
  if (!from && !to) throw new FlotillaError('one of source and destination must be SERVICE:PATH');
  const service = (from ?? to)!.service;
  await withProjectScope(options, [service], async (session, scope) => {
    const oneoff = options.all ? 'include' : 'exclude';
    if (from) {
      const container = await serviceContainer(session.engine, scope.name, service, { index: options.index, oneoff });
      await copyFromContainer(session.engine, container, from.path, options.destination, options);
      return;
    }
    const containers = await findProjectContainers(session.engine, scope.name, { services: [service], index: options.index, oneoff });
    if (containers.length === 0) throw new FlotillaError(`no container found for service "${service}"`);
    for (const container of containers) await copyToContainer(session.engine, container, options.source, to!.path, options);
  });
}

type PathKind = 'directory' | 'file' | 'missing';

/** What is at a path in the container, from the first entry of its archive. */
async function containerPathKind(engine: Engine, id: string, path: string): Promise<{ kind: PathKind; linkname?: string }> {
  try {
    const header = await firstEntry(await engine.getArchive(id, path));
    if (!header) return { kind: 'missing' };
    if (header.type === 'directory') return { kind: 'directory' };
    return { kind: 'file', ...(header.type === 'symlink' && header.linkname ? { linkname: header.linkname } : {}) };
  } catch (error) {
    if (error instanceof NotFoundError) return { kind: 'missing' };
    throw error;
  }
}

async function localPathKind(path: string): Promise<PathKind> {
  const info = await stat(path).catch(() => undefined);
  return !info ? 'missing' : info.isDirectory() ? 'directory' : 'file';
}

async function copyFromContainer(engine: Engine, container: ContainerSummary, sourcePath: string, destination: string,
  options: CopyOptions): Promise<void> {
  let path = sourcePath;
  const source = await containerPathKind(engine, container.id, path);
  if (source.kind === 'missing') throw new FlotillaError(`no such file or directory in ${container.name}: ${sourcePath}`);
  // -L: copy what the link points to, under the link's name.
  if (options.followLink && source.linkname) path = posix.resolve(posix.dirname(path), source.linkname);
  const contentsOnly = /\/\.$/.test(sourcePath);
  const target = resolve(destination);
  const targetKind = await localPathKind(target);
  let root: string;
  if (contentsOnly) {
    if (targetKind === 'file') throw new FlotillaError(`cannot copy a directory into the file ${destination}`);
    root = target;
  } else if (targetKind === 'directory') {
    root = resolve(target, posix.basename(sourcePath.replace(/\/+$/, '')) || '.');
  } else {
    if (targetKind === 'file' && source.kind === 'directory') throw new FlotillaError(`cannot copy a directory to the file ${destination}`);
    if (targetKind === 'missing' && destination.endsWith('/') && source.kind !== 'directory') {
      throw new FlotillaError(`destination directory ${destination} does not exist`);
    }
    root = target;
  }
  await extractLocal(await engine.getArchive(container.id, path), root);
}

async function copyToContainer(engine: Engine, container: ContainerSummary, source: string, destinationPath: string,
  options: CopyOptions): Promise<void> {
  const info = await (options.followLink ? stat(source) : lstat(source)).catch(() => undefined);
  if (!info) throw new FlotillaError(`no such file or directory: ${source}`);
  const contentsOnly = /\/\.$/.test(source) && info.isDirectory();
  const destination = destinationPath.startsWith('/') ? destinationPath : `/${destinationPath}`;
  const target = await containerPathKind(engine, container.id, destination);
  let extractDir: string;
  let rootName: string;
  if (contentsOnly) {
    if (target.kind !== 'directory') throw new FlotillaError(`destination ${destinationPath} must be an existing directory in ${container.name}`);
    [extractDir, rootName] = [destination, ''];
  } else if (target.kind === 'directory') {
    [extractDir, rootName] = [destination, basename(resolve(source))];
  } else {
    if (target.kind === 'file' && info.isDirectory()) throw new FlotillaError(`cannot copy a directory to the file ${destinationPath}`);
    if (target.kind === 'missing' && destination.endsWith('/')) {
      throw new FlotillaError(`destination directory ${destinationPath} does not exist in ${container.name}`);
    }
    [extractDir, rootName] = [posix.dirname(destination), posix.basename(destination)];
  }
  const archive = packLocal(resolve(source), rootName, { keepOwners: options.archive, followLink: options.followLink });
  await engine.putArchive(container.id, extractDir, archive);
}
