#!/usr/bin/env node
/**
 * Flotilla vs Debian's docker-compose 1.29, same machine, same run: `up -d` cold, `up -d` with nothing to do, and
 * `down`, on the nginx-node-redis example and on a generated chain of 20 busybox services (each depends_on the
 * previous one). Median of N runs (default 5, BENCH_RUNS). Run `npm run build` first (npm run bench:lifecycle does).
 *
 * Both tools use the local flotilla-test images; docker-compose 1.29 only pulls images it cannot find, and these
 * exist, so neither tool contacts a registry. Projects are named ft-bench-<tool>-<random> and removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli/main.js');
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
  { name: 'demo (nginx-node-redis)', key: 'demo', file: join(root, 'examples/nginx-node-redis/compose.yaml'), env: { NGINX_PORT: '18979' } },
  { name: 'chain of 20 services', key: 'chain', file: join(chainDir, 'compose.yaml'), env: {} },
];

const tools = {
  flotilla: (project, file, args) => [process.execPath, [cli, '-f', file, '-p', project, ...args]],
  'docker-compose': (project, file, args) => ['/usr/bin/docker-compose', ['-f', file, '-p', project, ...args]],
};

function time(tool, project, stack, args) {
  const [command, argv] = tools[tool](project, stack.file, args);
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, {
    cwd: dirname(stack.file), encoding: 'utf8', env: { ...process.env, ...stack.env, CI: 'true' },
  });
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
console.log(['stack', 'phase', 'flotilla', 'docker-compose', 'speed-up', 'target'].map((h, i) => h.padEnd(i < 2 ? 24 : 16)).join(''));
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
    console.log([stack.key, phase, fl.toFixed(3), dc.toFixed(3), `${ratio.toFixed(2)}×`, verdict]
      .map((c, i) => String(c).padEnd(i < 2 ? 24 : 16)).join(''));
  }
}
if (!allMet) process.exitCode = 1;
