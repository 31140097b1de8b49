/**
 * A container's mounts from its spec and its image: bind mounts, named volumes (created on first use, filled
 * with the image's content at that path when empty, as Docker does), anonymous volumes (explicit ones and the
 * image's VOLUMEs), tmpfs, and volumes_from.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { InvalidRequestError, NotFoundError } from '../../errors.js';
import type { ContainerSpec, MountInfo, MountSpec } from '../../types.js';
import { runOk } from '../command.js';
import type { OciMount } from '../runtime/spec.js';
import { resolveInRoot } from '../runtime/rootpath.js';
import type { VolumeStore } from '../volumes.js';
import type { ContainerRecord } from './record.js';

export interface ResolvedMounts {
  oci: OciMount[];
  info: MountInfo[];
  anonymousVolumes: string[];
}

export interface MountContext {
  spec: ContainerSpec;
  imageVolumes: string[];
  rootfs: string;
  volumes: VolumeStore;
  findContainer: (ref: string) => Promise<ContainerRecord | undefined>;
}

function cleanTarget(target: string): string {
  if (!target.startsWith('/')) throw new InvalidRequestError(`mount target must be an absolute path: "${target}"`);
  return posix.normalize(target).replace(/(.)\/$/, '$1');
}

/** Copies the image's content at `target` into an empty volume (its first use). */
async function copyUp(rootfs: string, target: string, dataDir: string): Promise<void> {
  const source = await resolveInRoot(rootfs, target);
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  const entries = await fs.readdir(source);
  if (entries.length === 0) return;
  await runOk('cp', ['-a', `${source}/.`, `${dataDir}/`]);
}

function tmpfsOptions(options: string): string[] {
  const given = options.split(',').map((o) => o.trim()).filter(Boolean);
  const defaults = ['nosuid', 'nodev', 'noexec'].filter((d) => !given.some((g) => g === d.replace(/^no/, '') || g === d));
  return [...defaults, ...given];
}

export async function resolveMounts(ctx: MountContext): Promise<ResolvedMounts> {
  const out: ResolvedMounts = { oci: [], info: [], anonymousVolumes: [] };
  const targets = new Set<string>();
  const claim = (target: string) => {
    if (targets.has(target)) throw new InvalidRequestError(`duplicate mount point: ${target}`);
    targets.add(target);
  };

  const addVolume = async (mount: MountSpec, target: string) => {
    let name = mount.source ?? '';
    if (!name) {
      name = randomBytes(32).toString('hex');
      await ctx.volumes.create({ name, labels: { ...mount.volumeLabels, 'com.docker.volume.anonymous': '' } });
      out.anonymousVolumes.push(name);
    } else {
      await ctx.volumes.create({ name, labels: mount.volumeLabels });
    }
    const dataDir = ctx.volumes.dataDir(name);
    if (!mount.noCopy && !mount.subpath && (await ctx.volumes.isEmpty(name))) await copyUp(ctx.rootfs, target, dataDir);
    let source = dataDir;
    if (mount.subpath) {
      source = join(dataDir, ...mount.subpath.split('/').filter((p) => p && p !== '.' && p !== '..'));
      if (!(await fs.stat(source).catch(() => undefined))) {
        throw new InvalidRequestError(`volume ${name} has no sub-path ${mount.subpath}`);
      }
    }
    const ro = mount.readOnly ?? false;
    out.oci.push({ destination: target, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw', 'rprivate'] });
    out.info.push({ type: 'volume', name, source, destination: target, readOnly: ro });
  };

  for (const mount of ctx.spec.mounts ?? []) {
    const target = cleanTarget(mount.target);
    claim(target);
    const ro = mount.readOnly ?? false;
    switch (mount.type) {
      case 'bind': {
        const source = mount.source ?? '';
        if (!isAbsolute(source)) throw new InvalidRequestError(`bind mount source must be an absolute path: "${source}"`);
        if (!(await fs.stat(source).catch(() => undefined))) {
          if (!mount.createHostPath) throw new InvalidRequestError(`bind source path does not exist: ${source}`);
          await fs.mkdir(source, { recursive: true });
        }
        const propagation = mount.propagation ? (mount.propagation.startsWith('r') ? mount.propagation : `r${mount.propagation}`) : 'rprivate';
        out.oci.push({ destination: target, type: 'bind', source, options: ['rbind', ro ? 'ro' : 'rw', propagation] });
        out.info.push({ type: 'bind', source, destination: target, readOnly: ro });
        break;
      }
      case 'volume':
        await addVolume(mount, target);
        break;
      case 'tmpfs': {
        const options = ['nosuid', 'nodev'];
        if (mount.tmpfsSizeBytes) options.push(`size=${mount.tmpfsSizeBytes}`);
        if (mount.tmpfsMode !== undefined) options.push(`mode=${mount.tmpfsMode.toString(8)}`);
        if (ro) options.push('ro');
        out.oci.push({ destination: target, type: 'tmpfs', source: 'tmpfs', options });
        out.info.push({ type: 'tmpfs', source: '', destination: target, readOnly: ro });
        break;
      }
    }
  }

  for (const [path, options] of Object.entries(ctx.spec.tmpfs ?? {})) {
    const target = cleanTarget(path);
    claim(target);
    out.oci.push({ destination: target, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(options) });
    out.info.push({ type: 'tmpfs', source: '', destination: target, readOnly: false });
  }

  for (const from of ctx.spec.volumesFrom ?? []) {
    const [ref = '', mode] = from.split(':');
    const other = await ctx.findContainer(ref);
    if (!other) throw new NotFoundError('container', ref, { message: `volumes_from: container ${ref} not found` });
    for (const m of other.mounts) {
      if (m.type === 'tmpfs' || targets.has(m.destination)) continue;
      targets.add(m.destination);
      const ro = mode === 'ro' ? true : mode === 'rw' ? false : m.readOnly;
      out.oci.push({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', ro ? 'ro' : 'rw', 'rprivate'] });
      out.info.push({ ...m, readOnly: ro });
    }
  }

  // The image's VOLUMEs that nothing else covers get an anonymous volume each, filled from the image.
  for (const path of ctx.imageVolumes) {
    const target = cleanTarget(path);
    if (targets.has(target)) continue;
    targets.add(target);
    await addVolume({ type: 'volume', target }, target);
  }
  // Parents before children, so a mount inside another mount lands on top of it.
  const order = (a: { destination: string }, b: { destination: string }) =>
    a.destination.split('/').length - b.destination.split('/').length;
  out.oci.sort(order);
  return out;
}
