/**
 * Container records on disk (containers/<id>/record.json) and their observed runtime state. Observation also
 * repairs: a state that says "running" while its supervisor is gone means the supervisor was killed; the
 * container (now unlogged and unsupervised) is killed and marked exited with an error saying so.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../../errors.js';
import type { ContainerState } from '../../types.js';
import { exists, pidAlive, readJson, writeJsonAtomic } from '../state/files.js';
import { containerFiles } from '../state/paths.js';
import { appendEvent } from '../state/journal.js';
import type { Runc } from '../runtime/runc.js';
import { initialState, type ContainerRecord, type HealthState, type RuntimeState } from './record.js';

export interface Observed {
  record: ContainerRecord;
  runtime: RuntimeState;
  state: ContainerState;
  health?: HealthState;
}

/** True when `pid` is a live supervisor of the container in `dir` (not a recycled pid). */
export function isSupervisorOf(pid: number | undefined, dir: string): boolean {
  if (!pid || !pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dir);
  } catch {
    return false;
  }
}

export class ContainerStore {
  constructor(
    private readonly dir: string,
    private readonly runc: Runc,
    private readonly journal: string,
  ) {}

  dirOf(id: string): string {
    return join(this.dir, id);
  }

  files(id: string) {
    return containerFiles(this.dirOf(id));
  }

  async all(): Promise<ContainerRecord[]> {
    const ids = await fs.readdir(this.dir).catch(() => [] as string[]);
    const records: ContainerRecord[] = [];
    for (const id of ids) {
      if (!/^[a-f0-9]{64}$/.test(id)) continue;
      const record = await readJson<ContainerRecord>(this.files(id).record).catch(() => undefined);
      if (record) records.push(record);
    }
    return records.sort((a, b) => a.created - b.created);
  }

  /** By full id, unique id prefix, or name (a leading "/" is ignored). */
  async find(ref: string): Promise<ContainerRecord | undefined> {
    const records = await this.all();
    const name = ref.replace(/^\//, '');
    const exact = records.find((r) => r.id === ref) ?? records.find((r) => r.name === name);
    if (exact) return exact;
    if (/^[a-f0-9]+$/.test(ref)) {
      const prefixed = records.filter((r) => r.id.startsWith(ref));
      if (prefixed.length === 1) return prefixed[0];
    }
    return undefined;
  }

  async get(ref: string): Promise<ContainerRecord> {
    const record = await this.find(ref);
    if (!record) throw new NotFoundError('container', ref, { message: `no such container: ${ref}` });
    return record;
  }

  async save(record: ContainerRecord): Promise<void> {
    await writeJsonAtomic(this.files(record.id).record, record);
  }

  async observe(record: ContainerRecord): Promise<Observed> {
    const files = this.files(record.id);
    let runtime = (await readJson<RuntimeState>(files.state).catch(() => undefined)) ?? initialState();
    const live = (s: RuntimeState) => s.status === 'running' || s.status === 'restarting';
    if (live(runtime) && !isSupervisorOf(runtime.supervisorPid, files.dir)) {
      // The supervisor may have recorded the exit and ended between our two reads: read the state again.
      runtime = (await readJson<RuntimeState>(files.state).catch(() => undefined)) ?? runtime;
      if (live(runtime) && !isSupervisorOf(runtime.supervisorPid, files.dir)) {
        runtime = await this.repairLostSupervisor(record, runtime);
      }
    }
    let state: ContainerState = runtime.status;
    if (state === 'running' && (await exists(join(files.dir, 'paused')))) state = 'paused';
    const checked = record.config.healthcheck && record.config.healthcheck.test[0] !== 'NONE';
    // Between the supervisor recording `running` and its first health write, the container is `starting`, not
    // without a healthcheck: a dependency wait must not fail in that gap.
    const health = checked && (runtime.status === 'running' || runtime.status === 'restarting')
      ? await readJson<HealthState>(files.health).catch((): HealthState => ({ status: 'starting', failingStreak: 0, log: [] }))
      : undefined;
    return { record, runtime, state, health };
  }

  /** The supervisor died without recording an exit: stop what it left running and say what happened. */
  private async repairLostSupervisor(record: ContainerRecord, runtime: RuntimeState): Promise<RuntimeState> {
    const files = this.files(record.id);
    const wasRunning = (await this.runc.state(record.id))?.status;
    if (wasRunning && wasRunning !== 'stopped') {
      await this.runc.kill(record.id, 'SIGKILL', true);
      for (let i = 0; i < 100 && (await this.runc.state(record.id))?.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await this.runc.delete(record.id);
    const repaired: RuntimeState = {
      ...runtime,
      status: 'exited',
      pid: 0,
      exitCode: wasRunning && wasRunning !== 'stopped' ? 137 : 255,
      finishedAt: new Date().toISOString(),
      exits: runtime.exits + 1,
      error: `supervisor (pid ${runtime.supervisorPid ?? '?'}) died unexpectedly; the container was ${wasRunning ? 'killed' : 'already gone'}`,
    };
    await writeJsonAtomic(files.state, repaired);
    await fs.rm(join(files.dir, 'paused'), { force: true });
    appendEvent(this.journal, {
      type: 'container',
      action: 'die',
      id: record.id,
      attributes: { ...record.spec.labels, name: record.name, image: record.image, exitCode: String(repaired.exitCode), error: repaired.error! },
    });
    return repaired;
  }
}
