/**
 * Copying files out of and into a container (getArchive/putArchive). Paths are resolved the way the container
 * sees them — through /proc/<pid>/root while it runs (so its mounts are visible), else through its root
 * filesystem and volume/bind sources — with symlinks kept inside that root.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidRequestError, NotFoundError } from '../../errors.js';
import { resolveInRoot } from '../runtime/rootpath.js';
import { extractTar } from '../images/unpack.js';
import type { ContainerFiles } from '../state/paths.js';
import type { ContainerRecord } from './record.js';

/** The host path of `path` as the container sees it. */
async function hostPath(record: ContainerRecord, files: ContainerFiles, pid: number, path: string): Promise<string> {
  if (!path.startsWith('/')) throw new InvalidRequestError(`path must be absolute: "${path}"`);
  const clean = posix.normalize(path);
  if (pid > 0) return resolveInRoot(`/proc/${pid}/root`, clean);
  const mount = record.mounts
    .filter((m) => m.type !== 'tmpfs' && (clean === m.destination || clean.startsWith(`${m.destination}/`)))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  if (mount) return resolveInRoot(mount.source, clean.slice(mount.destination.length) || '/');
  return resolveInRoot(files.rootfs, clean);
}

function missing(record: ContainerRecord, path: string): NotFoundError {
  return new NotFoundError('container', `${record.name}:${path}`, {
    message: `no such file or directory in container ${record.name}: ${path}`,
  });
}

export async function getArchive(record: ContainerRecord, files: ContainerFiles, pid: number, path: string): Promise<Readable> {
  const target = await hostPath(record, files, pid, path);
  if (!(await fs.lstat(target).catch(() => undefined))) throw missing(record, path);
  const name = basename(target);
  const wanted = basename(posix.normalize(path)) || name;
  const args = ['-C', dirname(target), '-c', '-f', '-', '--numeric-owner'];
  // The entries are named after the requested path, even when it was reached through a symlink.
  if (wanted !== name) args.push(`--transform=s|^${name.replace(/[|\\]/g, '\\$&')}|${wanted.replace(/[|\\&]/g, '\\$&')}|`);
  args.push(name);
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  return child.stdout;
}

export async function putArchive(
  record: ContainerRecord,
  files: ContainerFiles,
  pid: number,
  path: string,
  archive: Readable,
): Promise<void> {
  const target = await hostPath(record, files, pid, path);
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw missing(record, path);
  if (!stat.isDirectory()) throw new InvalidRequestError(`${path} in container ${record.name} is not a directory`);
  if (record.spec.readOnlyRootfs && !record.mounts.some((m) => !m.readOnly && path.startsWith(m.destination))) {
    throw new InvalidRequestError(`container ${record.name} has a read-only root filesystem`);
  }
  await extractTar(archive, target, { whiteouts: 'keep' });
}
