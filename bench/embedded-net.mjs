#!/usr/bin/env node
/**
 * Published-port performance: a port published by Flotilla's embedded engine networking (DNAT rules, the kernel
 * path; the status line says how many rules carry it) against dockerd's docker-proxy, same machine, same run,
 * same server (busybox httpd 1.35, one process per request):
 *   - round trip: N sequential GETs of a small file (default 2000, BENCH_REQUESTS), median and p99 latency;
 *   - request rate: N GETs with 8 in flight;
 *   - bulk: a 64 MiB file, 3 times, MiB/s.
 * Each is measured through the published port on 127.0.0.1 and, as a reference, directly to the server's address,
 * on a second httpd port of the same server. The reference must not share the published port's connection space:
 * its connections come from the gateway address like the NATed ones, so their conntrack and TIME_WAIT entries
 * (with other TCP timestamps) would make NATed connections remap ports and get SYNs refused and retried ~10 ms
 * later, a cost of the reference load, not of the path (docker-proxy connects with the reference's own address
 * pair, so it never paid it).
 * Rounds alternate between the two engines (BENCH_ROUNDS, default 3), each round starting with another path so
 * that none is always measured first; medians of the rounds are printed, with flotilla/docker ratios (rate and
 * bandwidth: higher is better; latency: lower is better).
 * Needs root, a built dist/ (npm run bench:embedded-net builds it) and the local image flotilla-test/busybox:latest.
 * Everything it creates (data root, network, namespace, proxy, container) is removed at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.FLOTILLA_DIST ?? join(root, 'dist'));
const { createNetworkManager } = await import(pathToFileURL(join(dist, 'engine/embedded/net/index.js')).href);

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 8;
const BIG_MIB = 64;
const suffix = `${process.pid}`;

const work = mkdtempSync(join(tmpdir(), 'flt-bench-net-'));
const www = join(work, 'www');
execFileSync('mkdir', ['-p', www]);
writeFileSync(join(www, 'small.txt'), 'x'.repeat(64));
writeFileSync(join(www, 'big.bin'), Buffer.alloc(BIG_MIB * 1024 * 1024, 7));
chmodSync(work, 0o755);

const agent = new http.Agent({ keepAlive: false });

function get(host, port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function roundTrip(host, port) {
  const lat = [];
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await get(host, port, '/small.txt');
    lat.push((performance.now() - t) * 1000);
  }
  return { p50: median(lat), p99: pct(lat, 0.99), seqRate: REQUESTS / ((performance.now() - t0) / 1000) };
}

async function rate(host, port) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => { while (next++ < REQUESTS) await get(host, port, '/small.txt'); };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return REQUESTS / ((performance.now() - t0) / 1000);
}

async function bulk(host, port) {
  const speeds = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const bytes = await get(host, port, '/big.bin');
    speeds.push(bytes / 1048576 / ((performance.now() - t) / 1000));
  }
  return median(speeds);
}

async function measure(host, port) {
  for (let i = 0; i < 50; i++) await get(host, port, '/small.txt'); // warm-up
  const rt = await roundTrip(host, port);
  return { ...rt, rate: await rate(host, port), mibps: await bulk(host, port) };
}

async function waitFor(host, port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try { await get(host, port, '/small.txt'); return; } catch (err) { if (Date.now() > deadline) throw err; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------- set-up
const manager = createNetworkManager({ dataRoot: join(work, 'data'), upstreams: [] });
const containerId = `bench-${suffix}`;
const dockerName = `flt-bench-net-${suffix}`;
const servers = [];
try {
  await manager.createNetwork({ name: 'bench_default' });
  const netns = await manager.createNetns(containerId);
  const { ipAddress } = await manager.attach('bench_default', { containerId, containerName: 'bench-web-1', netnsPath: netns });
  for (const port of ['8080', '8081']) servers.push(spawn('nsenter', [`--net=${netns}`, '/bin/busybox', 'httpd', '-f', '-p', port, '-h', www], { stdio: 'ignore' }));
  const [published] = await manager.publish(containerId, [{ containerPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }], ipAddress);
  const carried = (await manager.publication(containerId))?.nat;
  console.log(`flotilla port 127.0.0.1:${published.hostPort}: ${carried?.rules ? `${carried.rules} DNAT rule(s)` : `userland relay${carried?.error ? ` (${carried.error})` : ''}`}`);

  execFileSync('docker', ['run', '-d', '--rm', '--name', dockerName, '-p', '127.0.0.1::8080', '-v', `${www}:/www:ro`,
    'flotilla-test/busybox:latest', 'sh', '-c', 'httpd -p 8081 -h /www && exec httpd -f -p 8080 -h /www'], { stdio: 'ignore' });
  const dockerPort = Number(execFileSync('docker', ['port', dockerName, '8080/tcp']).toString().trim().split('\n')[0].split(':').pop());
  const dockerIp = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', dockerName]).toString().trim();
  const proxyPid = execFileSync('ss', ['-H', '-ltnp', `sport = :${dockerPort}`]).toString();
  if (!proxyPid.includes('docker-proxy')) console.warn(`warning: 127.0.0.1:${dockerPort} is not served by docker-proxy: ${proxyPid.trim()}`);

  const targets = {
    'flotilla port': ['127.0.0.1', published.hostPort],
    'docker-proxy': ['127.0.0.1', dockerPort],
    'flotilla direct': [ipAddress, 8081],
    'docker direct': [dockerIp, 8081],
  };
  for (const [host, port] of Object.values(targets)) await waitFor(host, port);

  const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  const order = Object.entries(targets);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, [host, port]] of order) results[name].push(await measure(host, port));
    order.push(order.shift());
    process.stderr.write(`round ${round}/${ROUNDS} done\n`);
  }

  const summary = {};
  for (const [name, rounds] of Object.entries(results)) {
    summary[name] = Object.fromEntries(['p50', 'p99', 'seqRate', 'rate', 'mibps'].map((k) => [k, median(rounds.map((r) => r[k]))]));
  }
  const fmt = (n, d = 0) => n.toFixed(d).padStart(9);
  console.log(`\nPublished port on 127.0.0.1 → busybox httpd; ${REQUESTS} requests per measure, medians of ${ROUNDS} rounds\n`);
  console.log(`${'path'.padEnd(17)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'seq req/s'.padStart(11)}${`req/s @${CONCURRENCY}`.padStart(11)}${'MiB/s'.padStart(9)}`);
  for (const [name, s] of Object.entries(summary)) {
    console.log(`${name.padEnd(17)}${fmt(s.p50)}${fmt(s.p99)}${fmt(s.seqRate).padStart(11)}${fmt(s.rate).padStart(11)}${fmt(s.mibps)}`);
  }
  const f = summary['flotilla port'];
  const d = summary['docker-proxy'];
  console.log('\nflotilla port / docker-proxy:');
  console.log(`  latency p50 ${(f.p50 / d.p50).toFixed(2)}x  p99 ${(f.p99 / d.p99).toFixed(2)}x  (lower is better)`);
  console.log(`  sequential rate ${(f.seqRate / d.seqRate).toFixed(2)}x  concurrent rate ${(f.rate / d.rate).toFixed(2)}x  bandwidth ${(f.mibps / d.mibps).toFixed(2)}x  (higher is better)`);
  console.log(`  overhead over direct: flotilla +${(f.p50 - summary['flotilla direct'].p50).toFixed(0)} µs, docker +${(d.p50 - summary['docker direct'].p50).toFixed(0)} µs (p50)`);
} finally {
  for (const server of servers) server.kill('SIGKILL');
  try { execFileSync('docker', ['rm', '-f', dockerName], { stdio: 'ignore' }); } catch { /* never started */ }
  await manager.cleanupAll();
  rmSync(work, { recursive: true, force: true });
}
