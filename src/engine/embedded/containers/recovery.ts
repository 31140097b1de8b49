/**
 * Reconciling the data root with what really runs, at every engine start: containers whose supervisor died
 * are stopped and marked (ContainerStore.observe does that), runc containers and overlay mounts without a
 * container record are removed, and half-created container directories are cleared. Caller holds the lock.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { unmount } from '../runtime/overlay.js';
import type { Runc } from '../runtime/runc.js';
import { exists } from '../state/files.js';
import type { ContainerStore } from './store.js';

export async function recoverContainers(containers: ContainerStore, runc: Runc, containersDir: string): Promise<string[]> {
  const notes: string[] = [];
  const records = await containers.all();
  const known = new Set(records.map((r) => r.id));
  for (const record of records) {
    const before = await containers.observe(record);
    if (before.runtime.error?.startsWith('supervisor') && before.state === 'exited') notes.push(`${record.name}: ${before.runtime.error}`);
  }
  for (const state of await runc.list()) {
    if (known.has(state.id)) continue;
    await runc.kill(state.id, 'SIGKILL', true);
    await runc.delete(state.id);
    notes.push(`removed runtime container ${state.id} that had no record`);
  }
  const mountinfo = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of mountinfo.split('\n')) {
    const target = line.split(' ')[4];
    if (!target?.startsWith(`${containersDir}/`) || !target.endsWith('/rootfs')) continue;
    const id = target.slice(containersDir.length + 1, -'/rootfs'.length);
    if (known.has(id)) continue;
    await unmount(target).catch(() => undefined);
    notes.push(`unmounted ${target}`);
  }
  for (const id of await fs.readdir(containersDir).catch(() => [] as string[])) {
    if (known.has(id) || (await exists(join(containersDir, id, 'record.json')))) continue;
    await unmount(join(containersDir, id, 'rootfs')).catch(() => undefined);
    await fs.rm(join(containersDir, id), { recursive: true, force: true });
    notes.push(`removed half-created container directory ${id}`);
  }
  return notes;
}
