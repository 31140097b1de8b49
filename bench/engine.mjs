// Benchmark: what Flotilla's Docker engine layer adds to the engine's own time.
// 20 containers (busybox `sleep 300`) created and started in parallel through the Engine, against
// `docker run -d` ×20 in parallel from the docker CLI, and against the bare HTTP API (create + start over the
// socket, nothing else) for reference. Median of several rounds; every container is removed between rounds.
// Target: Flotilla / docker CLI under 1.10.
//
//   npm run bench:engine            (builds dist/ first)
//   BENCH_ROUNDS=9 BENCH_CONTAINERS=20 node bench/engine.mjs
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const COUNT = Number(process.env.BENCH_CONTAINERS ?? 20);
const IMAGE = process.env.FLOTILLA_TEST_BUSYBOX ?? 'flotilla-test/busybox:latest';
const DIST = process.env.FLOTILLA_DIST ?? new URL('../dist/', import.meta.url).href;
const SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
const RUN = `flbench-${randomBytes(3).toString('hex')}`;
const LABEL = 'dev.flotilla.bench';

const { createDockerEngine } = await import(new URL('engine/docker/index.js', DIST).href);

function docker(args) {
  return new Promise((resolve, reject) => {
    execFile('docker', args, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args[0]}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

function rawCall(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = request(
      {
        socketPath: SOCKET,
        method,
        path,
        headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => (res.statusCode >= 300 && res.statusCode !== 304 ? reject(new Error(text)) : resolve(text ? JSON.parse(text) : undefined)));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const names = (kind, round) => Array.from({ length: COUNT }, (_, i) => `${RUN}-${kind}-${round}-${i}`);

const contenders = {
  async cli(round) {
    await Promise.all(names('cli', round).map((name) => docker(['run', '-d', '--name', name, '--label', `${LABEL}=${RUN}`, IMAGE, 'sleep', '300'])));
  },
  async flotilla(round, engine) {
    await Promise.all(
      names('flotilla', round).map(async (name) => {
        const { id } = await engine.createContainer({ name, image: IMAGE, cmd: ['sleep', '300'], labels: { [LABEL]: RUN } });
        await engine.startContainer(id);
      }),
    );
  },
  async api(round) {
    await Promise.all(
      names('api', round).map(async (name) => {
        const { Id } = await rawCall('POST', `/containers/create?name=${name}`, { Image: IMAGE, Cmd: ['sleep', '300'], Labels: { [LABEL]: RUN }, HostConfig: {} });
        await rawCall('POST', `/containers/${Id}/start`);
      }),
    );
  },
};

async function cleanup() {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}=${RUN}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids]);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const engine = createDockerEngine();
const times = { cli: [], flotilla: [], api: [] };
try {
  await docker(['image', 'inspect', IMAGE]);
  // Warm-up: first container creation pays for cold caches in the daemon.
  await contenders.api('warm');
  await contenders.flotilla('warm', engine);
  await cleanup();
  const order = Object.keys(contenders);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first so that no contender always meets a freshly cleaned daemon.
    for (let k = 0; k < order.length; k++) {
      const name = order[(round + k) % order.length];
      const started = performance.now();
      await contenders[name](round, engine);
      times[name].push(performance.now() - started);
      await cleanup();
    }
  }
} finally {
  await cleanup().catch(() => undefined);
  await engine.close();
}

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const fmt = (ms) => `${ms.toFixed(0)} ms`;
console.log(`${COUNT} containers created and started in parallel, median of ${ROUNDS} rounds`);
console.log(`  docker run -d ×${COUNT} (CLI):   ${fmt(m.cli)}   rounds: ${times.cli.map(fmt).join(', ')}`);
console.log(`  Flotilla DockerEngine:         ${fmt(m.flotilla)}   rounds: ${times.flotilla.map(fmt).join(', ')}`);
console.log(`  bare HTTP API (reference):     ${fmt(m.api)}   rounds: ${times.api.map(fmt).join(', ')}`);
// Rounds are paired (same daemon state, back to back), so the median of per-round ratios resists drift in load.
const pairedRatio = (a, b) => median(times[a].map((t, i) => t / times[b][i]));
console.log(`  Flotilla / docker CLI = ${(m.flotilla / m.cli).toFixed(3)} (medians), ${pairedRatio('flotilla', 'cli').toFixed(3)} (paired rounds)   target < 1.10`);
console.log(`  Flotilla / bare API   = ${(m.flotilla / m.api).toFixed(3)} (medians), ${pairedRatio('flotilla', 'api').toFixed(3)} (paired rounds)`);
