/**
 * The clean-up guarantee of ephemeral stacks: when the process that started one dies, even by `kill -9`, the
 * stack's containers, networks and volumes are removed within seconds.
 *
 * Design: a small detached watcher process per stack (./reaper-process.ts), not a reaper container like Ryuk.
 * - A container needs an image that may not exist (no registry here, air-gapped CI) and a socket mounted into it;
 *   Node is already on the machine, and the watcher talks to the engine through the same Engine code as everything
 *   else, so it works with the embedded engine too.
 * - The watcher learns of its owner's death two ways: its stdin is a pipe from the owner, which the kernel closes
 *   when the owner dies however it dies (immediate), and it polls the owner pid every 500 ms (a zombie counts as
 *   dead) in case the pipe was inherited by someone else.
 * - When the stack is downed normally, the owner writes `release` on the pipe and the watcher exits at once.
 * - It runs detached (its own session), so a Ctrl-C to the owner's process group does not kill it with its owner.
 * What the watcher cannot survive (the machine reboots, someone kills it too) is covered by the label: every
 * ephemeral resource carries `dev.flotilla.ephemeral=<pid>@<host>`, and `flotilla reap` removes stacks whose owner
 * is gone (reapStaleStacks below).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine/types.js';
import { NotFoundError } from '../engine/errors.js';
import { Label } from '../reconcile/labels.js';
import { ReaperUnavailableError } from './errors.js';
import { EPHEMERAL_LABEL, isOwnerGone, parseEphemeralLabel, type EphemeralOwner } from './isolation.js';

/** What the watcher process is told, as one JSON argument. */
export interface ReaperConfig {
  project: string;
  ownerPid: number;
  engine: 'docker' | 'embedded';
  /** The Docker endpoint the owner used (`unix:///...`, `tcp://...`). */
  dockerHost?: string;
  /** The embedded engine's data root the owner used. */
  dataRoot?: string;
  /** How often the owner pid is checked. */
  pollMs: number;
  /** A directory of the owner's to delete after reaping (the stack's label override file). */
  cleanupDir?: string;
}

/** A running watcher. */
export interface ReaperHandle {
  readonly pid: number;
  /** The stack was downed normally: the watcher exits without removing anything. Idempotent. */
  release(): void;
}

/** Starts the watcher for one stack and waits until it is watching (so a crash right after is covered). */
export async function startReaper(config: Omit<ReaperConfig, 'ownerPid' | 'pollMs'> & { pollMs?: number; env?: NodeJS.ProcessEnv }):
  Promise<ReaperHandle> {
  const entry = reaperEntry();
  const full: ReaperConfig = {
    project: config.project, ownerPid: process.pid, engine: config.engine, pollMs: config.pollMs ?? 500,
    ...(config.dockerHost ? { dockerHost: config.dockerHost } : {}), ...(config.dataRoot ? { dataRoot: config.dataRoot } : {}),
    ...(config.cleanupDir ? { cleanupDir: config.cleanupDir } : {}),
  };
  const child = spawn(process.execPath, [entry, JSON.stringify(full)], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
    env: config.env ?? process.env,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('no answer within 10 s')), 10_000);
    let said = '';
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new ReaperUnavailableError(`the stack reaper did not start: ${error.message}`, { cause: error }));
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`it exited with code ${code}`)));
    child.stdout!.on('data', (data: Buffer) => {
      said += data.toString();
      if (!said.includes('watching\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.on('error', () => undefined);
      child.stdout!.destroy();
      resolve();
    });
  });
  // Neither the child nor the pipe may keep the owner alive: the owner's exit is precisely what the watcher awaits.
  child.unref();
  const stdin = child.stdin! as typeof child.stdin & { unref?: () => void };
  stdin.on('error', () => undefined);
  stdin.unref?.();
  let released = false;
  return {
    pid: child.pid!,
    release(): void {
      if (released) return;
      released = true;
      stdin.end('release\n');
    },
  };
}

/**
 * The compiled watcher: next to this module when running from the build, else (running the TypeScript sources,
 * as the tests do) in the package's dist/ directory.
 */
export function reaperEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'reaper-process.js')];
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      candidates.push(join(dir, 'dist', 'stack', 'reaper-process.js'));
      break;
    }
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new ReaperUnavailableError(`the stack reaper is not built (looked for ${candidates.join(', ')})`, {
      hint: 'run `npm run build`, or pass ephemeral: false to start a stack without it',
    });
  }
  return found;
}

/** What a removal did. */
export interface RemovalReport {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Removes everything that carries the project's label: containers (killed, with their anonymous volumes), then
 * networks, then volumes. Idempotent; a resource another process removed first is not an error. Networks are retried
 * briefly, as the engine may still be detaching the containers just removed.
 */
export async function removeProjectResources(engine: Engine, project: string): Promise<RemovalReport> {
  const labels = { [Label.project]: project };
  const report: RemovalReport = { containers: [], networks: [], volumes: [] };
  const containers = await engine.listContainers({ all: true, labels });
  await Promise.all(containers.map(async (c) => {
    if (await ignoreMissing(engine.removeContainer(c.id, { force: true, volumes: true }))) report.containers.push(c.name);
  }));
  const networks = await engine.listNetworks({ labels });
  await Promise.all(networks.map(async (n) => {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await ignoreMissing(engine.removeNetwork(n.id))) report.networks.push(n.name);
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }));
  const volumes = await engine.listVolumes({ labels });
  await Promise.all(volumes.map(async (v) => {
    if (await ignoreMissing(engine.removeVolume(v.name, true))) report.volumes.push(v.name);
  }));
  return report;
}

/** An ephemeral stack whose owner process is gone. */
export interface StaleStack {
  project: string;
  owner: EphemeralOwner;
}

/**
 * Ephemeral stacks (any resource with the ephemeral label) whose owner, on this host, no longer runs. Stacks owned
 * by live processes or by other hosts are left out: they may still be in use.
 */
export async function findStaleStacks(engine: Engine): Promise<StaleStack[]> {
  const labels = { [EPHEMERAL_LABEL]: true as const };
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers({ all: true, labels }), engine.listNetworks({ labels }), engine.listVolumes({ labels }),
  ]);
  const owners = new Map<string, EphemeralOwner>();
  for (const resource of [...containers, ...networks, ...volumes]) {
    const project = resource.labels[Label.project];
    const owner = parseEphemeralLabel(resource.labels[EPHEMERAL_LABEL]);
    if (project && owner && !owners.has(project)) owners.set(project, owner);
  }
  return [...owners].filter(([, owner]) => isOwnerGone(owner)).map(([project, owner]) => ({ project, owner }))
    .sort((a, b) => (a.project < b.project ? -1 : 1));
}

/** Removes every stale ephemeral stack (see findStaleStacks), or those `only` accepts; with `dryRun`, lists them. */
export async function reapStaleStacks(engine: Engine, options: { dryRun?: boolean; only?: (stack: StaleStack) => boolean } = {}):
  Promise<Array<StaleStack & { removed?: RemovalReport }>> {
  const stale = (await findStaleStacks(engine)).filter((stack) => options.only?.(stack) ?? true);
  if (options.dryRun) return stale;
  const out: Array<StaleStack & { removed?: RemovalReport }> = [];
  for (const stack of stale) out.push({ ...stack, removed: await removeProjectResources(engine, stack.project) });
  return out;
}

/** true when the call succeeded, false when the object was already gone. */
async function ignoreMissing(call: Promise<void>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}
