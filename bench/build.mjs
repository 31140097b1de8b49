#!/usr/bin/env node
/**
 * Build benchmark: the node-web-app example built cold (--no-cache) and again after a one-file change (server.js),
 * by Flotilla (`flotilla build`), `docker build` with the classic builder (DOCKER_BUILDKIT=0; once with the labels
 * Flotilla puts on images, once without) and docker-compose 1.29 (`/usr/bin/docker-compose build`), in the same run,
 * rounds interleaved so that a busy machine slows every tool alike. Prints the median wall time of each and the
 * ratio to `docker build` with the same labels. Target: Flotilla within 5% of docker build.
 *
 * Also prints where Flotilla's time goes, from the phases it reports with FLOTILLA_TIMING=1.
 *
 * usage: npm run bench:build [-- --rounds N] [--json]
 * Needs the test images (scripts/test-env.sh) and a built CLI (dist/; built here when missing).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../scripts/bundle-cli.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await bundleCli(); // the CLI as the sources are now, whatever built dist/ last
const CLI = join(ROOT, 'dist/bin/flotilla.js');
const EXAMPLE = join(ROOT, 'examples/node-web-app');
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || 5;
const JSON_OUT = args.includes('--json');
const run = `b${process.pid.toString(36)}`;

if (!existsSync(CLI)) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
if (!existsSync(CLI)) throw new Error(`no CLI at ${CLI}: run npm run build`);

const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-build-'));
for (const file of ['Dockerfile', 'server.js', 'package.json', '.dockerignore']) cpSync(join(EXAMPLE, file), join(dir, file));
writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    build: .\n');

const env = { ...process.env, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0', CI: 'true' };
// A host setting, not the tool's: extra CA certificates cost every Node start about 40 ms here, and no tool needs them.
delete env.NODE_EXTRA_CA_CERTS;
const labels = (project) => ['--label', `com.docker.compose.project=${project}`, '--label', 'com.docker.compose.service=web'];
const tools = {
  flotilla: { project: `${run}-fl`, cmd: (p, cold) => [process.execPath, CLI, '-p', p, '--progress', 'quiet', 'build', ...(cold ? ['--no-cache'] : [])] },
  'docker build (labels)': { project: `${run}-dl`, cmd: (p, cold) => ['docker', 'build', '-q', '-t', `${p}-web`, ...labels(p), ...(cold ? ['--no-cache'] : []), '.'] },
  'docker build': { project: `${run}-dk`, cmd: (p, cold) => ['docker', 'build', '-q', '-t', `${p}-web`, ...(cold ? ['--no-cache'] : []), '.'] },
  'docker-compose 1.29': { project: `${run}-dc`, cmd: (p, cold) => ['docker-compose', '-p', p, 'build', '-q', ...(cold ? ['--no-cache'] : [])] },
};
if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status !== 0) delete tools['docker-compose 1.29'];

/** Every image id a tool produced, removed at the end (each rebuild leaves the previous one untagged). */
const made = new Set();
function remember(project) {
  for (const ref of [`${project}-web`, `${project}_web`]) {
    const id = spawnSync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], { encoding: 'utf8' }).stdout.trim();
    if (id) made.add(id);
  }
}

/** Flotilla's phases (FLOTILLA_TIMING=1: "flotilla timing: <ms since its start> ms  <phase>" on stderr), per kind of build. */
const phases = { cold: [], change: [] };

function timeOnce(cmd, kind) {
  const started = process.hrtime.bigint();
  const timing = cmd[1] === CLI;
  const result = spawnSync(cmd[0], cmd.slice(1), { cwd: dir, env: timing ? { ...env, FLOTILLA_TIMING: '1' } : env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${cmd.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  if (timing && kind) {
    const marks = [...result.stderr.matchAll(/^flotilla timing: +([\d.]+) ms {2}(.*)$/gm)].map((m) => ({ at: Number(m[1]), phase: m[2] }));
    phases[kind].push({ marks, total: ms });
  }
  return ms;
}

/**
 * Median time of each stretch between Flotilla's phase marks: from the spawn to the first mark (Node's start and
 * the CLI's loading), between marks, and from the last mark to the exit as the bench saw it.
 */
function phaseTable(runs) {
  if (runs.length === 0 || runs[0].marks.length === 0) return [];
  const names = runs[0].marks.map((m) => m.phase);
  const spans = names.map((name, i) => ({ name: `${i === 0 ? 'process start' : names[i - 1]} → ${name}`, values: [] }));
  spans.push({ name: `${names.at(-1)} → exit`, values: [] });
  for (const { marks, total } of runs) {
    if (marks.map((m) => m.phase).join() !== names.join()) continue;
    marks.forEach((m, i) => spans[i].values.push(m.at - (i === 0 ? 0 : marks[i - 1].at)));
    spans.at(-1).values.push(total - marks.at(-1).at);
  }
  return spans.map(({ name, values }) => ({ span: name, ms: Math.round(median(values)) }));
}

const times = Object.fromEntries(Object.keys(tools).map((t) => [t, { cold: [], change: [] }]));
const server = join(dir, 'server.js');
const original = readFileSync(server, 'utf8');
try {
  // Warm-up: every tool has built once, so the base image and the daemon are hot for all.
  for (const tool of Object.values(tools)) {
    timeOnce(tool.cmd(tool.project, false));
    remember(tool.project);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, tool] of Object.entries(tools)) {
      times[name].cold.push(timeOnce(tool.cmd(tool.project, true), 'cold'));
      remember(tool.project);
    }
    for (const [name, tool] of Object.entries(tools)) {
      // Content of its own per tool, or a tool would reuse the layer another tool just built from the same files.
      writeFileSync(server, `${original.replace('version: 1', `version: ${round + 2}`)}// ${name}\n`);
      times[name].change.push(timeOnce(tool.cmd(tool.project, false), 'change'));
      remember(tool.project);
    }
  }
} finally {
  for (const tool of Object.values(tools)) spawnSync('docker', ['rmi', '-f', `${tool.project}-web`, `${tool.project}_web`], { stdio: 'ignore' });
  if (made.size > 0) spawnSync('docker', ['rmi', '-f', ...made], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const baseline = times['docker build (labels)'];
const rows = Object.entries(times).map(([name, t]) => ({
  tool: name,
  coldMs: Math.round(median(t.cold)),
  changeMs: Math.round(median(t.change)),
  coldRatio: +(median(t.cold) / median(baseline.cold)).toFixed(3),
  changeRatio: +(median(t.change) / median(baseline.change)).toFixed(3),
}));
const flotillaPhases = { cold: phaseTable(phases.cold), change: phaseTable(phases.change) };
if (JSON_OUT) {
  process.stdout.write(JSON.stringify({ rounds: ROUNDS, baseline: 'docker build (labels)', rows, flotillaPhases }, null, 2) + '\n');
} else {
  console.log(`build of examples/node-web-app, median of ${ROUNDS} rounds; ratio to docker build with the same labels`);
  console.log('tool                     cold (--no-cache)        after changing server.js');
  for (const r of rows) {
    console.log(`${r.tool.padEnd(24)} ${`${r.coldMs} ms`.padStart(8)}  x${r.coldRatio.toFixed(2)}        ${`${r.changeMs} ms`.padStart(8)}  x${r.changeRatio.toFixed(2)}`);
  }
  const fl = rows.find((r) => r.tool === 'flotilla');
  console.log(`target: flotilla within 5% of docker build: cold ${fl.coldRatio <= 1.05 ? 'met' : 'NOT met'}, after a change ${fl.changeRatio <= 1.05 ? 'met' : 'NOT met'}`);
  console.log('\nwhere flotilla\'s time goes (median ms)          cold   after a change');
  flotillaPhases.cold.forEach((row, i) => {
    console.log(`  ${row.span.padEnd(44)} ${String(row.ms).padStart(5)}  ${String(flotillaPhases.change[i]?.ms ?? '').padStart(5)}`);
  });
}
