/**
 * A container's root filesystem: overlayfs with the image layers as lowerdirs and the container's own
 * upper/work directories. Lowerdirs are given relative to the layer cache (mount runs with that cwd) to keep
 * the option string under the one-page limit for images with many layers.
 */
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import { runCommand, runOk } from '../command.js';

export interface OverlayPaths {
  layersDir: string;
  /** Layer directories, lowest first (image order). */
  lowerDirs: string[];
  upper: string;
  work: string;
  target: string;
}

export async function isMounted(target: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === target);
}

export async function mountOverlay(paths: OverlayPaths): Promise<void> {
  await fs.mkdir(paths.upper, { recursive: true, mode: 0o755 });
  await fs.mkdir(paths.work, { recursive: true, mode: 0o700 });
  await fs.mkdir(paths.target, { recursive: true, mode: 0o755 });
  if (await isMounted(paths.target)) return;
  // overlayfs lists the topmost layer first.
  const lower = [...paths.lowerDirs].reverse().map((dir) => basename(dir)).join(':');
  const options = `lowerdir=${lower},upperdir=${paths.upper},workdir=${paths.work}`;
  await runOk('mount', ['-t', 'overlay', 'overlay', '-o', options, paths.target], { cwd: paths.layersDir });
}

export async function unmount(target: string): Promise<void> {
  if (!(await isMounted(target))) return;
  const result = await runCommand('umount', [target]);
  // Busy (a process still holds it): detach it so the directory can go; the kernel frees it when released.
  if (result.code !== 0) await runOk('umount', ['-l', target]);
}
