/**
 * Shared by the suites that run the embedded engine in a temporary data root filled from the test image cache:
 * whether the machine can run it, the data root's set-up and tear-down, and the check that nothing of the data
 * root is left on the host (bridge, veth, namespace, firewall rule, helper or supervisor process, mount).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEngine, ensureDataRootImages } from '../../src/engine/embedded/index.js';
import { imageCacheDir } from '../../src/engine/embedded/images/cache.js';
import { hostNames } from '../../src/engine/embedded/net/naming.js';
import { enginePaths } from '../../src/engine/embedded/state/paths.js';

export const EMBEDDED_TEST_IMAGES = {
  busybox: 'flotilla-test/busybox:latest',
  nginx: 'flotilla-test/nginx:bookworm',
  node: 'flotilla-test/node:bookworm',
  redis: 'flotilla-test/redis:bookworm',
} as const;

/** Root (namespaces, mounts, runc) and the image archives of scripts/test-env.sh. */
export const embeddedUsable = process.getuid?.() === 0 && existsSync(join(imageCacheDir(), 'index.tsv'));

/** A temporary directory holding a data root (`<scratch>/data`) and whatever else a suite writes. */
export interface TempDataRoot {
  scratch: string;
  dataRoot: string;
}

export function makeTempDataRoot(prefix: string): TempDataRoot {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  return { scratch, dataRoot: join(scratch, 'data') };
}

/** Loads the cached images `refs` into the data root (the archives only once per data root). */
export async function loadTestImages(dataRoot: string, refs: string[]): Promise<void> {
  await ensureDataRootImages(dataRoot, { refs });
}

/**
 * Removes whatever a failed test left in the data root (containers first: their supervisors and mounts; then the
 * networking), then the scratch directory. Safe when the data root was never created.
 */
export async function destroyTempDataRoot({ scratch, dataRoot }: TempDataRoot): Promise<void> {
  if (existsSync(dataRoot)) {
    const engine = await createEmbeddedEngine({ dataRoot });
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true, volumes: true }).catch(() => undefined);
    for (const n of await engine.listNetworks()) await engine.removeNetwork(n.id).catch(() => undefined);
    await engine.close();
    await engine.net.cleanupAll();
  }
  rmSync(scratch, { recursive: true, force: true });
}

/** What `hostLeftovers` returns for a data root of which nothing runs. */
export const NOTHING_LEFT = { links: [], netns: [], rules: [], processes: [], mounts: [], runc: [], containers: [], networks: [] };

/** Everything of the data root the host still shows (each list empty once everything is down). */
export function hostLeftovers(dataRoot: string): Record<keyof typeof NOTHING_LEFT, string[]> {
  const names = hostNames(dataRoot);
  const paths = enginePaths(dataRoot);
  const links = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string; ifalias?: string }[];
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(dataRoot)) processes.push(`${pid} ${cmdline}`);
    } catch {
      // gone
    }
  }
  const runc = spawnSync('runc', ['--root', paths.runcRoot, 'list', '-q'], { encoding: 'utf8' }).stdout ?? '';
  return {
    links: links.filter((l) => l.ifalias?.startsWith(names.linkAliasPrefix)).map((l) => l.ifname),
    netns: execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(names.netnsPrefix)),
    rules: execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`FLT-${names.rootKey}`)),
    processes,
    mounts: readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dataRoot)),
    runc: runc.split('\n').filter(Boolean),
    containers: existsSync(paths.containers) ? readdirSync(paths.containers) : [],
    networks: existsSync(join(dataRoot, 'net', 'networks')) ? readdirSync(join(dataRoot, 'net', 'networks')) : [],
  };
}

/**
 * hostLeftovers once they are all gone, or as they still are after `timeoutMs`: a process that was told to stop
 * (a stack's watcher after `down`, say) may take a moment to exit.
 */
export async function settledLeftovers(dataRoot: string, timeoutMs = 5_000): Promise<Record<keyof typeof NOTHING_LEFT, string[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = hostLeftovers(dataRoot);
    if (Object.values(left).every((list) => list.length === 0) || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
