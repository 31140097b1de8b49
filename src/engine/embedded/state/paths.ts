/**
 * Where the embedded engine keeps everything. One data root holds all persistent state; the runtime's own state
 * (runc --root) lives on /run, a tmpfs, keyed by the data root so that two data roots never see each other's
 * containers (and Docker's, under /run/docker/runtime-runc, are never touched).
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface EnginePaths {
  root: string;
  lock: string;
  tmp: string;
  events: string;
  images: string;
  blobs: string;
  imageIndex: string;
  layers: string;
  volumes: string;
  containers: string;
  /** runc --root for this data root. */
  runcRoot: string;
  /** Parent of every container's cgroup, relative to each hierarchy root. */
  cgroupParent: string;
}

export function defaultDataRoot(): string {
  const fromEnv = process.env.FLOTILLA_DATA_ROOT;
  if (fromEnv) return resolve(fromEnv);
  if (process.getuid?.() === 0) return '/var/lib/flotilla';
  const home = process.env.XDG_DATA_HOME ?? join(process.env.HOME ?? '/tmp', '.local', 'share');
  return join(home, 'flotilla');
}

export function enginePaths(dataRoot: string): EnginePaths {
  const root = resolve(dataRoot);
  const key = createHash('sha256').update(root).digest('hex').slice(0, 12);
  return {
    root,
    lock: join(root, 'lock'),
    tmp: join(root, 'tmp'),
    events: join(root, 'events.jsonl'),
    images: join(root, 'images'),
    blobs: join(root, 'images', 'blobs', 'sha256'),
    imageIndex: join(root, 'images', 'index.json'),
    layers: join(root, 'layers'),
    volumes: join(root, 'volumes'),
    containers: join(root, 'containers'),
    runcRoot: join('/run/flotilla', key, 'runc'),
    cgroupParent: `/flotilla-${key}`,
  };
}

/** Files of one container directory (the OCI bundle is the directory itself). */
export function containerFiles(dir: string) {
  return {
    dir,
    record: join(dir, 'record.json'),
    ociConfig: join(dir, 'config.json'),
    rootfs: join(dir, 'rootfs'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    log: join(dir, 'ctr.log'),
    supervisorLog: join(dir, 'supervisor.log'),
    state: join(dir, 'state.json'),
    health: join(dir, 'health.json'),
    supervisorPid: join(dir, 'supervisor.pid'),
    containerPid: join(dir, 'container.pid'),
    stopRequested: join(dir, 'stop-requested'),
    stdinFifo: join(dir, 'stdin.fifo'),
    paused: join(dir, 'paused'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
  };
}
export type ContainerFiles = ReturnType<typeof containerFiles>;
