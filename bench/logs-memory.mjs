#!/usr/bin/env node
/**
 * `flotilla logs` must stream, not hold logs in memory: a container writes 200 MB of log lines (BENCH_LOG_MB), then
 * `flotilla logs` and `docker logs` of it go to /dev/null in the same run, each under /usr/bin/time. Prints the
 * peak RSS and the wall time of both (target for flotilla: < 100 MB). Run `npm run build` first (npm run bench:logs
 * does). The project is named ft-bench-logs-<random> and removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../scripts/bundle-cli.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
await bundleCli(); // the CLI as the sources are now, whatever built dist/ last
const cli = join(root, 'dist/bin/flotilla.js');
const megabytes = Number(process.env.BENCH_LOG_MB ?? 200);
const project = `ft-bench-logs-${Math.random().toString(36).slice(2, 7)}`;
const dir = mkdtempSync(join(tmpdir(), `${project}-`));
const line = 'flotilla log line benchmark: the quick brown fox jumps over the lazy dog 0123456789';

writeFileSync(join(dir, 'compose.yaml'), `
services:
  spam:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "yes '${line}' | head -c ${megabytes * 1024 * 1024}"]
`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result;
}

/** Peak RSS (MB) and wall time (s) of a command whose stdout goes to /dev/null. */
function measure(command, args) {
  const devNull = openSync('/dev/null', 'w');
  const result = spawnSync('/usr/bin/time', ['-f', '%M %e', command, ...args], {
    cwd: dir, stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}: ${result.stderr}`);
  const [kb, seconds] = result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { rssMb: kb / 1024, seconds };
}

try {
  const started = Date.now();
  run('node', [cli, '-p', project, 'up', '-d'], { env: { ...process.env, CI: 'true' } });
  const container = `${project}-spam-1`;
  run('docker', ['wait', container]);
  console.log(`${megabytes} MB of log lines written in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const flotilla = measure('node', [cli, '-p', project, 'logs', '--no-color']);
  const docker = measure('docker', ['logs', container]);
  const lines = [
    ['', 'peak RSS', 'time'],
    ['flotilla logs', `${flotilla.rssMb.toFixed(1)} MB`, `${flotilla.seconds.toFixed(2)}s`],
    ['docker logs', `${docker.rssMb.toFixed(1)} MB`, `${docker.seconds.toFixed(2)}s`],
  ];
  for (const row of lines) console.log(row[0].padEnd(16) + row[1].padStart(10) + row[2].padStart(10));
  console.log(flotilla.rssMb < 100 ? 'OK: flotilla stays under 100 MB' : 'FAIL: flotilla went over 100 MB');
  process.exitCode = flotilla.rssMb < 100 ? 0 : 1;
} finally {
  spawnSync('node', [cli, '-p', project, 'down', '-v'], { cwd: dir, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  rmSync(dir, { recursive: true, force: true });
}
