/**
 * Running containers: start (launch a supervisor), stop (stop signal, grace period, then KILL), kill,
 * pause/unpause, wait and remove. Stop and kill leave a stop-requested marker first, so the supervisor does
 * not apply the restart policy to an exit someone asked for.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, EngineError, InvalidRequestError } from '../../errors.js';
import type { StopOptions, WaitCondition } from '../../types.js';
import { normalizeSignal, runOk } from '../command.js';
import { exists } from '../state/files.js';
import { isMounted, mountOverlay, unmount } from '../runtime/overlay.js';
import type { Runc } from '../runtime/runc.js';
import { appendEvent } from '../state/journal.js';
import { watchDir } from '../state/dir-watch.js';
import { timed } from '../timing.js';
import { launchSupervisor } from './launcher.js';
import type { ContainerRecord } from './record.js';
import { isSupervisorOf, type ContainerStore, type Observed } from './store.js';

export interface LifecycleDeps {
  containers: ContainerStore;
  runc: Runc;
  journal: string;
  layersDir: string;
  supervisorEntry: () => Promise<string>;
  lowerDirs: (record: ContainerRecord) => Promise<string[]>;
  /** Networking around a run: endpoints and published ports before the launch, ports released after the stop. */
  network: {
    beforeStart(record: ContainerRecord): Promise<void>;
    afterStop(record: ContainerRecord): Promise<void>;
    /** The port proxy the supervisor stops when the container ends for good, if it has one. */
    portProxy(record: ContainerRecord): { statusPath: string; configPath: string } | undefined;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isLive(o: Observed): boolean {
  return o.state === 'running' || o.state === 'paused' || o.state === 'restarting';
}

export function event(deps: LifecycleDeps, record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
  appendEvent(deps.journal, {
    type: 'container',
    action,
    id: record.id,
    attributes: { ...record.spec.labels, name: record.name, image: record.image, ...extra },
  });
}

export async function startContainer(deps: LifecycleDeps, record: ContainerRecord): Promise<void> {
  const observed = await deps.containers.observe(record);
  if (isLive(observed)) return;
  const files = deps.containers.files(record.id);
  await timed('start.prepare', async () => {
    // After a reboot the overlay is gone (and /run with runc's state): mount it again.
    if (!(await isMounted(files.rootfs))) {
      await mountOverlay({ layersDir: deps.layersDir, lowerDirs: await deps.lowerDirs(record), upper: files.upper, work: files.work, target: files.rootfs });
    }
    await Promise.all([fs.rm(files.stopRequested, { force: true }), fs.rm(files.paused, { force: true })]);
    if (record.spec.stdinOpen && !(await exists(files.stdinFifo))) await runOk('mkfifo', ['-m', '600', files.stdinFifo]);
    // Leftovers of a crashed run would make `runc run` fail with "exists"; only look when there are some.
    if (await exists(join(deps.runc.root, record.id))) await deps.runc.delete(record.id);
  });
  // A port taken by someone else fails the start here, with nothing running.
  await timed('start.network', () => deps.network.beforeStart(record));
  let launched = false;
  try {
    launched = await timed('start.launch', () => launch(deps, record, observed.runtime.exits));
  } finally {
    if (!launched) await deps.network.afterStop(record).catch(() => undefined);
  }
}

async function launch(deps: LifecycleDeps, record: ContainerRecord, exits: number): Promise<boolean> {
  const files = deps.containers.files(record.id);
  const state = await launchSupervisor(await deps.supervisorEntry(), {
    id: record.id,
    name: record.name,
    image: record.image,
    labels: record.spec.labels,
    dir: files.dir,
    runtime: deps.runc.binary,
    runtimeRoot: deps.runc.root,
    journal: deps.journal,
    restartPolicy: record.restartPolicy,
    healthcheck: record.config.healthcheck,
    tty: record.spec.tty ?? false,
    stdinOpen: record.spec.stdinOpen ?? false,
    stdinOnce: record.spec.stdinOnce ?? false,
    previous: { restartCount: 0, exits },
    portProxy: deps.network.portProxy(record),
  });
  if (state.error && !state.startedAt) {
    throw new EngineError(`cannot start container ${record.name}: ${state.error}`);
  }
  return true;
}

/**
 * Waits until the supervisor recorded that the container is no longer running, woken by its state write (a
 * watch on the container directory) rather than on a poll interval.
 */
async function waitStopped(deps: LifecycleDeps, record: ContainerRecord, timeoutMs: number): Promise<boolean> {
  const dir = deps.containers.dirOf(record.id);
  const files = deps.containers.files(record.id);
  const changes = watchDir(dir, ['state.json', 'supervisor.pid']);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const o = await deps.containers.observe(record);
      if (!isLive(o)) {
        // Give the supervisor a moment to finish (delete runc state, exit) so a restart does not race it and a
        // removal leaves no process behind. Removing its pid file is its last act before it exits: until then
        // wait for that (woken by the removal), then poll briefly for the exit itself.
        const sup = o.runtime.supervisorPid;
        const until = Date.now() + 1000;
        while (Date.now() < until && isSupervisorOf(sup, dir)) await changes.next(existsSync(files.supervisorPid) ? 20 : 1);
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await changes.next(Math.min(50, left));
    }
  } finally {
    changes.close();
  }
}

export async function stopContainer(deps: LifecycleDeps, record: ContainerRecord, options: StopOptions = {}): Promise<void> {
  await stopRunning(deps, record, options);
  await deps.network.afterStop(record);
}

async function stopRunning(deps: LifecycleDeps, record: ContainerRecord, options: StopOptions): Promise<void> {
  const observed = await deps.containers.observe(record);
  if (!isLive(observed)) return;
  const files = deps.containers.files(record.id);
  await fs.writeFile(files.stopRequested, '');
  const signal = normalizeSignal(options.signal ?? record.stopSignal) ?? 'SIGTERM';
  const timeoutMs = (options.timeoutSec ?? record.stopTimeoutSec) * 1000;
  if (observed.state === 'restarting') {
    await waitStopped(deps, record, 5_000);
    return;
  }
  // A running container asked to die at once gets the final SIGKILL (to every process) right away: one runc call.
  const killNow = signal === 'SIGKILL' && observed.state === 'running';
  await timed('stop.signal', () => deps.runc.kill(record.id, signal, killNow));
  if (observed.state === 'paused') await unpauseContainer(deps, record).catch(() => undefined);
  if (!killNow && timeoutMs > 0 && (await timed('stop.wait', () => waitStopped(deps, record, timeoutMs)))) return;
  if (!killNow) await deps.runc.kill(record.id, 'SIGKILL', true);
  if (!(await timed('stop.wait', () => waitStopped(deps, record, 10_000)))) {
    throw new EngineError(`container ${record.name} did not stop after SIGKILL`);
  }
}

export async function killContainer(deps: LifecycleDeps, record: ContainerRecord, signal = 'SIGKILL'): Promise<void> {
  const sig = normalizeSignal(signal);
  if (!sig) throw new InvalidRequestError(`invalid signal "${signal}"`);
  const observed = await deps.containers.observe(record);
  if (observed.state !== 'running' && observed.state !== 'paused') {
    throw new ConflictError(`container ${record.name} is not running`, 'container', record.id);
  }
  await fs.writeFile(deps.containers.files(record.id).stopRequested, '');
  await deps.runc.kill(record.id, sig);
  event(deps, record, 'kill', { signal: sig });
  if (sig === 'SIGKILL' && (await waitStopped(deps, record, 10_000))) await deps.network.afterStop(record);
}

export async function pauseContainer(deps: LifecycleDeps, record: ContainerRecord): Promise<void> {
  const observed = await deps.containers.observe(record);
  if (observed.state === 'paused') throw new ConflictError(`container ${record.name} is already paused`, 'container', record.id);
  if (observed.state !== 'running') throw new ConflictError(`container ${record.name} is not running`, 'container', record.id);
  await deps.runc.pause(record.id);
  await fs.writeFile(deps.containers.files(record.id).paused, '');
  event(deps, record, 'pause');
}

export async function unpauseContainer(deps: LifecycleDeps, record: ContainerRecord): Promise<void> {
  const observed = await deps.containers.observe(record);
  if (observed.state !== 'paused') throw new ConflictError(`container ${record.name} is not paused`, 'container', record.id);
  await deps.runc.resume(record.id);
  await fs.rm(deps.containers.files(record.id).paused, { force: true });
  event(deps, record, 'unpause');
}

export async function waitContainer(
  deps: LifecycleDeps,
  ref: string,
  condition: WaitCondition = 'not-running',
  signal?: AbortSignal,
): Promise<{ exitCode: number }> {
  const record = await deps.containers.get(ref);
  const first = await deps.containers.observe(record);
  const startExits = first.runtime.exits;
  let last = first;
  for (;;) {
    if (signal?.aborted) throw new EngineError('wait aborted');
    const current = await deps.containers.find(record.id);
    if (!current) {
      if (condition === 'removed' || condition === 'not-running') return { exitCode: last.runtime.exitCode };
      throw new EngineError(`container ${record.name} was removed while waiting for it`);
    }
    last = await deps.containers.observe(current);
    if (condition === 'not-running' && !isLive(last)) return { exitCode: last.runtime.exitCode };
    if (condition === 'next-exit' && last.runtime.exits > startExits && last.state !== 'restarting') {
      return { exitCode: last.runtime.exitCode };
    }
    await sleep(25);
  }
}

export async function removeContainer(
  deps: LifecycleDeps,
  record: ContainerRecord,
  options: { force?: boolean },
  /** Work that only needs the container stopped (its network teardown): done beside the removal of its files. */
  alongside: () => Promise<void> = async () => undefined,
): Promise<void> {
  const observed = await deps.containers.observe(record);
  if (isLive(observed)) {
    if (!options.force) {
      throw new ConflictError(`container ${record.name} is ${observed.state}: stop it first or force the removal`, 'container', record.id);
    }
    await stopContainer(deps, record, { timeoutSec: 0, signal: 'SIGKILL' });
  }
  const files = deps.containers.files(record.id);
  const [own, other] = await Promise.allSettled([
    (async () => {
      // `runc run` deletes its container when it ends: a runc call is only needed when a crash left state behind.
      if (await exists(join(deps.runc.root, record.id))) await timed('remove.runtime', () => deps.runc.delete(record.id));
      await timed('remove.unmount', () => unmount(files.rootfs));
      await timed('remove.files', () => fs.rm(files.dir, { recursive: true, force: true }));
    })(),
    alongside(),
  ]);
  if (own.status === 'rejected') throw own.reason;
  event(deps, record, 'destroy');
  if (other.status === 'rejected') throw other.reason;
}
