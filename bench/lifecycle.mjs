#!/usr/bin/env node
/**
 * Flotilla vs Debian's docker-compose 1.29, same machine, same run: `up -d` cold, `up -d` with nothing to do, and
 * `down`, on the nginx-node-redis example and on a generated chain of 20 busybox services (each depends_on the
 * previous one). Median of N runs (default 5, BENCH_RUNS). Run `npm run build` first (npm run bench:lifecycle does).
 *
 * Both tools use the local flotilla-test images; docker-compose 1.29 only pulls images it cannot find, and these
 * exist, so neither tool contacts a registry. Projects are named ft-bench-<tool>-<random> and removed at the end.
 *
 * Floor: the same containers made with raw Engine API calls (bench/engine-floor.mjs), overlapping everything the
 * dependency order allows: the least time any client needs on this dockerd, and so the best speed-up over
 * docker-compose any tool could show. Both tools run without NODE_EXTRA_CA_CERTS (Node reads that CA bundle at
 * every start, ~40 ms here, and neither tool needs it for a local socket); BENCH_HOST_ENV=1 keeps it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../scripts/bundle-cli.mjs';
import { chainServices, demoServices, timeFloor } from './engine-floor.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await bundleCli(); // the CLI as the sources are now, whatever built dist/ last
const cli = join(root, 'dist/bin/flotilla.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const suffix = Math.random().toString(36).slice(2, 7);

function chainCompose(length) {
  let text = 'services:\n';
  for (let i = 1; i <= length; i++) {
    text += `  s${i}:\n    image: flotilla-test/busybox:latest\n    command: ["sleep", "3600"]\n    stop_signal: SIGKILL\n`;
    if (i > 1) text += `    depends_on: [s${i - 1}]\n`;
  }
  return text;
}

const chainDir = mkdtempSync(join(tmpdir(), 'ft-bench-chain-'));
writeFileSync(join(chainDir, 'compose.yaml'), chainCompose(20));

const stacks = [
  {
    name: 'demo (nginx-node-redis)', key: 'demo', file: join(root, 'examples/nginx-node-redis/compose.yaml'), env: { NGINX_PORT: '18979' },
    floor: () => demoServices(join(root, 'examples/nginx-node-redis'), 18979),
  },
  { name: 'chain of 20 services', key: 'chain', file: join(chainDir, 'compose.yaml'), env: {}, floor: () => chainServices(20) },
];

const tools = {
  flotilla: (project, file, args) => [process.execPath, [cli, '-f', file, '-p', project, ...args]],
  'docker-compose': (project, file, args) => ['/usr/bin/docker-compose', ['-f', file, '-p', project, ...args]],
};

const baseEnv = { ...process.env, CI: 'true' };
if (process.env.BENCH_HOST_ENV !== '1') delete baseEnv.NODE_EXTRA_CA_CERTS;

function time(tool, project, stack, args) {
  const [command, argv] = tools[tool](project, stack.file, args);
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: dirname(stack.file), encoding: 'utf8', env: { ...baseEnv, ...stack.env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const phases = [['up -d cold', ['up', '-d']], ['up -d no-op', ['up', '-d']], ['down', ['down']]];

const results = {};
const projectOf = (tool, stack) => `ft-bench-${tool === 'flotilla' ? 'fl' : 'dc'}-${stack.key}-${suffix}`;
try {
  for (const stack of stacks) {
    const samples = {};
    for (const tool of Object.keys(tools)) time(tool, projectOf(tool, stack), stack, ['down']); // start from nothing
    // the tools take turns within each run, so that a change of machine load hits both alike
    for (let i = 0; i < runs; i++) {
      for (const tool of Object.keys(tools)) {
        for (const [phase, args] of phases) (samples[`${tool}|${phase}`] ??= []).push(time(tool, projectOf(tool, stack), stack, args));
      }
      const floor = await timeFloor(`ft-bench-floor-${stack.key}-${suffix}`, stack.floor());
      (samples['floor|up -d cold'] ??= []).push(floor.up);
      (samples['floor|down'] ??= []).push(floor.down);
    }
    for (const [key, values] of Object.entries(samples)) results[`${stack.key}|${key}`] = median(values);
    process.stderr.write(`. ${stack.name} done\n`);
  }
} finally {
  for (const stack of stacks) {
    for (const tool of Object.keys(tools)) {
      const project = projectOf(tool, stack);
      spawnSync(process.execPath, [cli, '-f', stack.file, '-p', project, 'down', '--volumes'], { stdio: 'ignore', env: { ...process.env, ...stack.env } });
    }
  }
  rmSync(chainDir, { recursive: true, force: true });
}

const targets = {
  'demo|up -d cold': { ratio: 2 },
  'chain|up -d cold': { ratio: 3 },
  'chain|up -d no-op': { ratio: 3, seconds: 0.25 },
  'chain|down': { ratio: 3 },
};
console.log(`median of ${runs} runs (seconds)`);
console.log(['stack', 'phase', 'flotilla', 'docker-compose', 'speed-up', 'floor', 'best speed-up', 'target'].map((h, i) => h.padEnd(i < 2 ? 24 : 16)).join(''));
let allMet = true;
for (const stack of stacks) {
  for (const [phase] of phases) {
    const fl = results[`${stack.key}|flotilla|${phase}`];
    const dc = results[`${stack.key}|docker-compose|${phase}`];
    const ratio = dc / fl;
    const target = targets[`${stack.key}|${phase}`];
    let verdict = '';
    if (target) {
      const met = ratio >= target.ratio && (target.seconds === undefined || fl < target.seconds);
      allMet &&= met;
      verdict = `≥${target.ratio}×${target.seconds ? `, <${target.seconds}s` : ''} ${met ? 'met' : 'MISSED'}`;
    }
    const floor = results[`${stack.key}|floor|${phase}`];
    const best = floor === undefined ? '' : `${(dc / floor).toFixed(2)}×`;
    console.log([stack.key, phase, fl.toFixed(3), dc.toFixed(3), `${ratio.toFixed(2)}×`, floor?.toFixed(3) ?? '', best, verdict]
      .map((c, i) => String(c).padEnd(i < 2 ? 24 : 16)).join(''));
  }
}
if (!allMet) process.exitCode = 1;
