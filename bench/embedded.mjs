#!/usr/bin/env node
/**
 * Embedded engine vs Docker, same run, same image: create+start and stop+remove, median of N (default 20),
 * with the runtime floor (bare `runc run -d` and `runc kill`+`delete` on a prepared bundle) for reference.
 * Runs on dist/ (npm run build first). Needs root, runc, overlayfs and a Docker daemon with the test image.
 * Usage: node bench/embedded.mjs [runs]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEngine } from '../dist/engine/embedded/index.js';

const RUNS = Number(process.argv[2] ?? 20);
const IMAGE = process.env.FLOTILLA_TEST_BUSYBOX ?? 'flotilla-test/busybox:latest';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];

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

try {
  const archive = join(scratch, 'image.tar');
  const cache = join(process.env.FLOTILLA_TEST_IMAGE_CACHE ?? '/var/cache/flotilla-images', `${IMAGE.replace(/\//g, '_').replace(':', '_')}.tar`);
  if (existsSync(cache)) execFileSync('cp', [cache, archive]);
  else execFileSync('docker', ['save', IMAGE, '-o', archive]);
  const engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
  const [imageId] = await engine.loadImageArchive(archive);

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

  for (let i = 0; i < RUNS; i++) {
    let t = now();
    const { id } = await engine.createContainer({ name: `bench-${i}`, image: IMAGE, labels: {}, cmd: IDLE });
    await engine.startContainer(id);
    record('embedded create+start', now() - t);
    t = now();
    await engine.stopContainer(id, { timeoutSec: 10 });
    await engine.removeContainer(id);
    record('embedded stop+remove', now() - t);

    t = now();
    const dockerId = sh('docker', ['run', '-d', '--name', `flotilla-bench-${process.pid}-${i}`, IMAGE, ...IDLE]).trim();
    record('docker run -d', now() - t);
    t = now();
    sh('docker', ['rm', '-f', dockerId]);
    record('docker rm -f', now() - t);

    const rid = `flotilla-bench-${i}`;
    t = now();
    sh('runc', ['--root', runcRoot, 'run', '-d', '--bundle', bundle, rid], true);
    record('runc run -d (floor)', now() - t);
    t = now();
    sh('runc', ['--root', runcRoot, 'kill', rid, 'KILL']);
    sh('runc', ['--root', runcRoot, 'delete', '--force', rid]);
    record('runc kill+delete (floor)', now() - t);
  }
  await engine.removeImage(imageId, { force: true });

  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  console.log(`embedded engine vs docker, median of ${RUNS} (${IMAGE}, ${new Date().toISOString()})`);
  for (const [name, value] of Object.entries(m)) console.log(`  ${name.padEnd(26)} ${ms(value)}`);
  console.log('ratios');
  console.log(`  create+start / docker run -d   ${(m['embedded create+start'] / m['docker run -d']).toFixed(2)}x`);
  console.log(`  stop+remove  / docker rm -f    ${(m['embedded stop+remove'] / m['docker rm -f']).toFixed(2)}x`);
  console.log(`  create+start / runtime floor   ${(m['embedded create+start'] / m['runc run -d (floor)']).toFixed(2)}x`);
  console.log(`  stop+remove  / runtime floor   ${(m['embedded stop+remove'] / m['runc kill+delete (floor)']).toFixed(2)}x`);
} finally {
  for (let i = 0; i < RUNS; i++) spawnSync('runc', ['--root', join(scratch, 'runc'), 'delete', '--force', `flotilla-bench-${i}`]);
  spawnSync('sh', ['-c', `docker ps -aq --filter name=flotilla-bench-${process.pid}- | xargs -r docker rm -f`]);
  rmSync(scratch, { recursive: true, force: true });
}
