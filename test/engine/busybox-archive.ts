import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { imageCacheDir } from '../../src/engine/embedded/images/cache.js';
import { BUSYBOX } from './contract.js';

/** The busybox test image as a `docker save` archive: from the test image cache, else saved from the local docker into `scratch`. */
export function busyboxArchive(scratch: string): string {
  const cached = join(imageCacheDir(), `${BUSYBOX.replace(/\//g, '_').replace(':', '_')}.tar`);
  if (existsSync(cached)) return cached;
  const out = join(scratch, 'busybox.tar');
  execFileSync('docker', ['save', BUSYBOX, '-o', out]);
  return out;
}
