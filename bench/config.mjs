#!/usr/bin/env node
/**
 * `flotilla config` against `docker-compose config` (Debian's docker-compose 1.29, installed with apt-get when
 * missing) on the nginx-node-redis sample and on generated 20- and 200-service projects: median of 7 runs each,
 * printed with the ratio. Also the time of `flotilla --version`. Build first (`npm run build`).
 *
 * Floor: a fresh `node` that only loads the `yaml` package (one bundle, with a code cache) and parses the file (the
 * least any loader built on `yaml` does, before validating or printing anything), and the best ratio that floor
 * would allow.
 *
 * Node reads the whole NODE_EXTRA_CA_CERTS bundle at start-up, before any code runs (about 40 ms here, where the
 * variable points at the system's 200 CA certificates). Flotilla never needs it for `config`, so the variable is
 * removed for the timed runs; `--host-env` keeps the environment as it is.
 *
 *   node bench/config.mjs [--runs 7] [--host-env]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../scripts/bundle-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await bundleCli(); // the CLI as the sources are now, whatever built dist/ last
const cli = join(root, 'dist/bin/flotilla.js');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const DOCKER_COMPOSE = '/usr/bin/docker-compose';

function ensureDockerCompose() {
  if (existsSync(DOCKER_COMPOSE)) return;
  console.log('installing docker-compose (apt-get) ...');
  spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', 'docker-compose'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(DOCKER_COMPOSE)) throw new Error('docker-compose could not be installed');
}

/** A project of `count` services: images, ports, environment, volumes, networks, a depends_on chain. */
function generatedProject(count) {
  const lines = ['services:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  svc${i}:`,
      `    image: "registry.example.com/team/app${i % 7}:1.${i}"`,
      '    restart: unless-stopped',
      '    command: ["node", "server.js", "--port", "8080"]',
      '    environment:',
      `      SERVICE_INDEX: "${i}"`,
      '      LOG_LEVEL: info',
      `      DATABASE_URL: "postgres://db${i % 5}:5432/app"`,
      '    ports:',
      `      - "${20000 + i}:8080"`,
      '    volumes:',
      `      - data${i % 10}:/var/lib/app`,
      '      - ./config:/etc/app:ro',
      '    networks: [front, back]',
      '    healthcheck:',
      '      test: ["CMD", "curl", "-f", "http://localhost:8080/health"]',
      '      interval: 30s',
      '      timeout: 5s',
      '      retries: 3',
      '    labels:',
      `      com.example.index: "${i}"`,
    );
    if (i > 0) lines.push('    depends_on:', `      - svc${i - 1}`);
  }
  lines.push('volumes:');
  for (let v = 0; v < 10; v++) lines.push(`  data${v}: {}`);
  lines.push('networks:', '  front: {}', '  back: {}');
  return lines.join('\n') + '\n';
}

const HOST_ENV = process.argv.includes('--host-env');
const benchEnv = { ...process.env, COMPOSE_PROJECT_NAME: 'bench' };
if (!HOST_ENV) delete benchEnv.NODE_EXTRA_CA_CERTS;

/**
 * Load `yaml` and parse the file: the least a loader does. `yaml` is bundled into one file and run with a V8 code
 * cache written by an earlier run, as Flotilla's own bundle is, so that loading it costs as little as it can.
 */
async function floorScript(dir) {
  const { build } = await import('esbuild');
  const entry = join(dir, 'floor-entry.mjs');
  writeFileSync(entry, "import { readFileSync } from 'node:fs';\nimport { parseAllDocuments } from 'yaml';\nparseAllDocuments(readFileSync('compose.yaml', 'utf8'));\n");
  const bundle = join(dir, 'floor-bundle.cjs');
  await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'cjs', platform: 'node', target: 'node20', nodePaths: [join(root, 'node_modules')], logLevel: 'warning' });
  const runner = join(dir, 'floor.cjs');
  writeFileSync(runner, `
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const bundle = ${JSON.stringify(bundle)};
const cacheFile = bundle + '-' + require('node:path').basename(process.cwd()) + '.cache';
let cachedData;
try { cachedData = readFileSync(cacheFile); } catch {}
const script = new Script('(function (exports, require, module, __filename, __dirname) {' + readFileSync(bundle, 'utf8') + '\\n})', { filename: bundle, cachedData });
script.runInThisContext()({}, require, { exports: {} }, bundle, ${JSON.stringify(dir)});
if (!cachedData || script.cachedDataRejected) writeFileSync(cacheFile, script.createCachedData());
`);
  return runner;
}

function time(command, args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: benchEnv });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return ms;
}

function median(command, args, cwd) {
  time(command, args, cwd); // warm the file cache
  const samples = Array.from({ length: RUNS }, () => time(command, args, cwd)).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main() {
  if (!existsSync(cli)) throw new Error('build first: npx tsc -p tsconfig.json');
  ensureDockerCompose();
  const work = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
  try {
    const projects = [['nginx-node-redis', join(root, 'bench/fixtures/nginx-node-redis')]];
    for (const count of [20, 200]) {
      const dir = join(work, `generated-${count}`);
      mkdirSync(join(dir, 'config'), { recursive: true });
      writeFileSync(join(dir, 'compose.yaml'), generatedProject(count));
      projects.push([`generated ${count} services`, dir]);
    }
    const rows = [];
    const floorFile = await floorScript(work);
    for (const [name, dir] of projects) {
      const flotilla = median(process.execPath, [cli, 'config', '-f', 'compose.yaml'], dir);
      const reference = median(DOCKER_COMPOSE, ['-f', 'compose.yaml', 'config'], dir);
      const floor = median(process.execPath, [floorFile], dir);
      rows.push([name, flotilla, reference, floor]);
    }
    const version = median(process.execPath, [cli, '--version'], root);
    const nodeAlone = median(process.execPath, ['-e', '0'], root);
    console.log(`median of ${RUNS} runs (ms)${HOST_ENV ? ', host environment' : ', without NODE_EXTRA_CA_CERTS'}`);
    console.log(
      `${'project'.padEnd(28)}${'flotilla'.padStart(10)}${'docker-compose'.padStart(16)}${'ratio'.padStart(8)}` +
        `${'yaml floor'.padStart(12)}${'best ratio'.padStart(12)}`,
    );
    for (const [name, f, r, floor] of rows) {
      console.log(
        `${name.padEnd(28)}${f.toFixed(0).padStart(10)}${r.toFixed(0).padStart(16)}${(r / f).toFixed(1).padStart(7)}x` +
          `${floor.toFixed(0).padStart(12)}${(r / floor).toFixed(1).padStart(11)}x`,
      );
    }
    console.log(`flotilla --version: ${version.toFixed(0)} ms (node -e 0 alone: ${nodeAlone.toFixed(0)} ms)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
