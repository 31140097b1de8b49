/**
 * What runc leaves on the host once the last container of a data root is gone: the cgroup parent directories
 * (runc removes only each container's leaf) and the runtime state root on /run. Removed best effort: rmdir
 * fails harmlessly while anything is still inside.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';

export async function releaseHostDirs(cgroupParent: string, runcRoot: string): Promise<void> {
  const hierarchies = await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const h of ['', ...hierarchies]) {
    await fs.rmdir(join('/sys/fs/cgroup', h, cgroupParent)).catch(() => undefined);
  }
  await fs.rmdir(runcRoot).catch(() => undefined);
  await fs.rmdir(dirname(runcRoot)).catch(() => undefined);
}
