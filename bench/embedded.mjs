#!/usr/bin/env node
/**
 * Embedded engine vs Docker, same run, same image, same network setup: every container of either engine joins
 * a user-defined bridge network made once beforehand with default settings (`docker network create NAME` and
 * `engine.createNetwork({ name })`: a bridge, NAT, a name server on both sides). Median of N (default 20) of:
 *   create+start        embedded createContainer+startContainer | `docker run -d` | the same two API calls on Docker
 *   remove -f           embedded removeContainer(force)         | `docker rm -f`  | Docker API remove (force)
 *   stop+remove         embedded stop (SIGTERM, trapped) + remove | `docker stop` + `docker rm` (the container's
 *                       trap runs after its current `sleep 0.1`, on both sides alike)
 * with the runtime floor (bare `runc run -d` and `runc kill`+`delete` on a prepared bundle, no network, no
 * overlay) and the embedded engine's own step timings (see src/engine/embedded/timing.ts; steps can overlap).
 * BENCH_NETWORK=default instead leaves each side on its default network: Docker's permanent `bridge` (no name
 * server) and the embedded engine's on-demand one, which a lone container creates and removes with itself
 * (bridge, firewall rules, name server), so that mode also measures a whole network's life per container.
 * Runs on dist/ (npm run build first). Needs root, runc, overlayfs and a Docker daemon with the test image.
 * Usage: node bench/embedded.mjs [runs]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEngine } from '../dist/engine/embedded/index.js';
import { setTimingSink } from '../dist/engine/embedded/timing.js';
import { createDockerEngine } from '../dist/engine/docker/index.js';

const RUNS = Number(process.argv[2] ?? 20);
const IMAGE = process.env.FLOTILLA_TEST_BUSYBOX ?? 'flotilla-test/busybox:latest';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];
const TAG = `flotilla-bench-${process.pid}`;
const DEFAULT_NETWORK = process.env.BENCH_NETWORK === 'default';
const NET = `${TAG}-net`;
const networks = DEFAULT_NETWORK ? {} : { networks: [{ network: NET }] };
const dockerNetwork = DEFAULT_NETWORK ? [] : ['--network', NET];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const ms = (x) => `${x.toFixed(1).padStart(7)} ms`;

// stdin/stdout/stderr of `runc run -d` become the container's: /dev/null there, or spawnSync waits on the pipes
// for as long as the container lives.
function sh(file, args, detachedStdio = false) {
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: detachedStdio ? 'ignore' : 'pipe' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status} ${r.stderr ?? ''}`);
  return r.stdout;
}

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
const results = {};
const record = (name, value) => (results[name] ??= []).push(value);

// Step timings of the embedded engine, summed per operation (a step can occur more than once, e.g. lock.acquire).
const steps = { 'create+start': [], 'remove -f': [], 'stop+remove': [] };
let current;
setTimingSink((step, value) => {
  if (current) current[step] = (current[step] ?? 0) + value;
});
async function stepped(op, fn) {
  current = {};
  const t = now();
  await fn();
  const total = now() - t;
  steps[op].push(current);
  current = undefined;
  return total;
}

let engine;
let imageId;
const docker = createDockerEngine();
try {
  const archive = join(scratch, 'image.tar');
  const cache = join(process.env.FLOTILLA_TEST_IMAGE_CACHE ?? '/var/cache/flotilla-images', `${IMAGE.replace(/\//g, '_').replace(':', '_')}.tar`);
  if (existsSync(cache)) execFileSync('cp', [cache, archive]);
  else execFileSync('docker', ['save', IMAGE, '-o', archive]);
  engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
  [imageId] = await engine.loadImageArchive(archive);
  if (!DEFAULT_NETWORK) {
    await engine.createNetwork({ name: NET });
    sh('docker', ['network', 'create', NET]);
  }

  // Runtime floor: a bundle whose root is the unpacked (read-only) layer, no overlay, no supervisor.
  const image = await engine.images.get(imageId);
  const bundle = join(scratch, 'bundle');
  execFileSync('mkdir', ['-p', bundle]);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(execFileSync('cat', [join(bundle, 'config.json')]).toString());
  spec.process.terminal = false;
  spec.process.args = IDLE;
  spec.root = { path: engine.layers.dirFor(image.layers[0].diffId), readonly: true };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const runcRoot = join(scratch, 'runc');

  const embeddedRun = async (name) => {
    const { id } = await engine.createContainer({ name, image: IMAGE, labels: {}, cmd: IDLE, ...networks });
    await engine.startContainer(id);
    return id;
  };
  const dockerApiRun = async (name) => {
    const { id } = await docker.createContainer({ name, image: IMAGE, labels: {}, cmd: IDLE, ...networks });
    await docker.startContainer(id);
    return id;
  };

  for (let i = 0; i < RUNS; i++) {
    let id;
    record('embedded create+start', await stepped('create+start', async () => (id = await embeddedRun(`bench-a${i}`))));
    record('embedded remove -f', await stepped('remove -f', () => engine.removeContainer(id, { force: true })));
    await stepped('create+start', async () => (id = await embeddedRun(`bench-b${i}`)));
    record('embedded stop+remove', await stepped('stop+remove', async () => {
      await engine.stopContainer(id, { timeoutSec: 10 });
      await engine.removeContainer(id);
    }));

    let t = now();
    let dockerId = sh('docker', ['run', '-d', ...dockerNetwork, '--name', `${TAG}-a${i}`, IMAGE, ...IDLE]).trim();
    record('docker run -d', now() - t);
    t = now();
    sh('docker', ['rm', '-f', dockerId]);
    record('docker rm -f', now() - t);
    dockerId = sh('docker', ['run', '-d', ...dockerNetwork, '--name', `${TAG}-b${i}`, IMAGE, ...IDLE]).trim();
    t = now();
    sh('docker', ['stop', '-t', '10', dockerId]);
    sh('docker', ['rm', dockerId]);
    record('docker stop + rm', now() - t);

    t = now();
    id = await dockerApiRun(`${TAG}-c${i}`);
    record('docker API create+start', now() - t);
    t = now();
    await docker.removeContainer(id, { force: true });
    record('docker API remove -f', now() - t);

    const rid = `flotilla-bench-${i}`;
    t = now();
    sh('runc', ['--root', runcRoot, 'run', '-d', '--bundle', bundle, rid], true);
    record('runc run -d (floor)', now() - t);
    t = now();
    sh('runc', ['--root', runcRoot, 'kill', rid, 'KILL']);
    sh('runc', ['--root', runcRoot, 'delete', '--force', rid]);
    record('runc kill+delete (floor)', now() - t);
  }

  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  console.log(`embedded engine vs docker, median of ${RUNS} (${IMAGE}, ${DEFAULT_NETWORK ? 'default networks' : 'user-defined bridge network on both sides'}, ${new Date().toISOString()})`);
  for (const [name, value] of Object.entries(m)) console.log(`  ${name.padEnd(26)} ${ms(value)}`);
  const ratio = (a, b) => `${(m[b] / m[a]).toFixed(2)}x`;
  console.log('speed-up of the embedded engine (docker time / embedded time; > 1 is faster)');
  console.log(`  create+start  vs docker run -d           ${ratio('embedded create+start', 'docker run -d')}   (target >= 1.5x, <= 150 ms)`);
  console.log(`  create+start  vs docker API create+start ${ratio('embedded create+start', 'docker API create+start')}`);
  console.log(`  remove -f     vs docker rm -f            ${ratio('embedded remove -f', 'docker rm -f')}`);
  console.log(`  remove -f     vs docker API remove -f    ${ratio('embedded remove -f', 'docker API remove -f')}`);
  console.log(`  stop+remove   vs docker stop + rm        ${ratio('embedded stop+remove', 'docker stop + rm')}`);
  console.log('over the runtime floor (embedded time / floor)');
  console.log(`  create+start  ${(m['embedded create+start'] / m['runc run -d (floor)']).toFixed(2)}x    remove -f  ${(m['embedded remove -f'] / m['runc kill+delete (floor)']).toFixed(2)}x`);
  for (const [op, runs] of Object.entries(steps)) {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r)))];
    console.log(`embedded ${op}: median per step (steps may overlap)`);
    for (const name of names) console.log(`  ${name.padEnd(30)} ${ms(median(runs.map((r) => r[name] ?? 0)))}`);
  }
} finally {
  setTimingSink(undefined);
  for (let i = 0; i < RUNS; i++) spawnSync('runc', ['--root', join(scratch, 'runc'), 'delete', '--force', `flotilla-bench-${i}`]);
  spawnSync('sh', ['-c', `docker ps -aq --filter name=${TAG}- | xargs -r docker rm -f; docker network rm ${NET} 2>/dev/null`], { stdio: 'ignore' });
  if (engine) {
    for (const c of await engine.listContainers({ all: true }).catch(() => [])) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
    await engine.removeNetwork(NET).catch(() => undefined);
    if (imageId) await engine.removeImage(imageId, { force: true }).catch(() => undefined);
  }
  rmSync(scratch, { recursive: true, force: true });
}
