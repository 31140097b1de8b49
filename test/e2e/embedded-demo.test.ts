/**
 * The CLI on the embedded engine with no Docker daemon reachable (DOCKER_HOST points at a socket nobody serves,
 * `--engine auto`), in a temporary data root filled from the test image cache: the nginx-node-redis example
 * answers through nginx → node → redis on its published port; a 10-service project comes up and goes down;
 * `up` killed with SIGKILL at several points converges on the next `up`. After each `down`, nothing of the data
 * root is left on the host: no bridge, veth, namespace, firewall rule, helper or supervisor process, mount.
 * Needs root, runc, overlayfs and the image archives of scripts/test-env.sh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine } from '../../src/engine/embedded/index.js';
import { EMBEDDED_TEST_IMAGES, NOTHING_LEFT as NOTHING, destroyTempDataRoot, embeddedUsable as usable, hostLeftovers as leftoversOf,
  loadTestImages, makeTempDataRoot } from './embedded-helpers.js';
import { CLI, ROOT, buildCli, expectCountedVisits } from './flotilla-harness.js';

const IMAGES = [EMBEDDED_TEST_IMAGES.busybox, EMBEDDED_TEST_IMAGES.nginx, EMBEDDED_TEST_IMAGES.node, EMBEDDED_TEST_IMAGES.redis];

const temp = makeTempDataRoot('flotilla-emb-demo-');
const { scratch, dataRoot } = temp;
const suffix = Math.random().toString(36).slice(2, 7);
const env = { ...process.env, CI: 'true', DOCKER_HOST: 'unix:///nonexistent.sock', FLOTILLA_DATA_ROOT: dataRoot, FLOTILLA_ENGINE: '' };

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(project: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, '--engine', 'auto', '--progress', 'plain', '-p', project, ...args], {
    cwd: scratch,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<RunResult> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 137 : -1), stdout, stderr }));
  });
}

const run = (project: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => finished(cli(project, args, extraEnv));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Everything of this suite's data root the host still shows (each list empty after a `down`). */
const hostLeftovers = () => leftoversOf(dataRoot);

/** A project of `count` idle busybox services that stop at once on TERM. */
function busyboxProject(count: number): string {
  const file = join(scratch, `busybox-${count}.yaml`);
  const services = Array.from({ length: count }, (_, i) => [
    `  s${i + 1}:`,
    '    image: flotilla-test/busybox:latest',
    `    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]`,
    '    stop_grace_period: 2s',
  ].join('\n'));
  writeFileSync(file, `services:\n${services.join('\n')}\n`);
  return file;
}

/** The project's containers as the engine sees them: name → state. */
async function projectStates(project: string): Promise<Record<string, string>> {
  const engine = await createEmbeddedEngine({ dataRoot });
  try {
    const list = await engine.listContainers({ labels: { 'com.docker.compose.project': project } });
    return Object.fromEntries(list.map((c) => [c.name, c.state]));
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  await loadTestImages(dataRoot, IMAGES);
});

afterAll(async () => {
  // Whatever a failed test left: containers first (their supervisors, mounts), then the networking.
  await destroyTempDataRoot(temp);
});

describe.skipIf(!usable)('embedded engine through the CLI, no daemon', () => {
  it('picks the embedded engine with --engine auto; image load, import and ls fill and show its store', async () => {
    const { createEngine } = await import('../../src/engine/select.js');
    const fresh = join(scratch, 'fresh');
    const auto = await createEngine({ engine: 'auto', env, embedded: { dataRoot: fresh } });
    expect(auto.kind).toBe('embedded');
    await auto.close();

    const freshEnv = { FLOTILLA_DATA_ROOT: fresh };
    const busybox = (await import('../../src/engine/embedded/images/cache.js')).readImageCache();
    const archive = (await busybox).find((i) => i.ref === IMAGES[0])!.archive;
    const load = await run('unused', ['image', 'load', '-i', archive], freshEnv);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toBe(`Loaded image: ${IMAGES[0]}\n`);

    const rootfs = join(scratch, 'rootfs');
    execFileSync('mkdir', ['-p', rootfs]);
    execFileSync('cp', ['/bin/busybox', join(rootfs, 'busybox')]);
    execFileSync('tar', ['-C', rootfs, '-cf', join(scratch, 'rootfs.tar'), '.']);
    const imported = await run('unused', ['image', 'import', join(scratch, 'rootfs.tar'), 'embdemo/imported:v1', '-c', 'CMD ["/busybox", "echo", "imported-ok"]'], freshEnv);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);

    const ls = await run('unused', ['image', 'ls', '--format', 'json'], freshEnv);
    expect(ls.code, ls.stderr).toBe(0);
    const listed = (JSON.parse(ls.stdout) as { Repository: string; Tag: string; ID: string }[]).map((i) => `${i.Repository}:${i.Tag}`);
    expect(listed.sort()).toEqual(['embdemo/imported:v1', IMAGES[0]].sort());

    const engine = await createEmbeddedEngine({ dataRoot: fresh });
    try {
      const { id } = await engine.createContainer({ name: `imported-${suffix}`, image: 'embdemo/imported:v1', labels: {}, networkMode: 'none' });
      await engine.startContainer(id);
      expect((await engine.waitContainer(id)).exitCode).toBe(0);
      let out = '';
      for await (const chunk of engine.containerLogs(id)) out += chunk.data.toString();
      expect(out).toBe('imported-ok\n');
      await engine.removeContainer(id);
    } finally {
      await engine.close();
    }
  });

  it('runs examples/nginx-node-redis: visits counted through nginx → node → redis; down leaves nothing', async () => {
    const project = `embdemo-${suffix}`;
    const file = join(ROOT, 'examples/nginx-node-redis/compose.yaml');
    const port = await freePort();
    const up = await run(project, ['-f', file, 'up', '-d', '--wait'], { NGINX_PORT: String(port) });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    try {
      await expectCountedVisits(port);
    } finally {
      const down = await run(project, ['-f', file, 'down']);
      expect(down.code, down.stdout + down.stderr).toBe(0);
    }
    expect(hostLeftovers()).toEqual(NOTHING);
  });

  it('brings up 10 busybox services and takes them down', async () => {
    const project = `emb10-${suffix}`;
    const file = busyboxProject(10);
    const up = await run(project, ['-f', file, 'up', '-d']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const states = await projectStates(project);
    expect(Object.keys(states)).toHaveLength(10);
    expect(new Set(Object.values(states))).toEqual(new Set(['running']));
    const down = await run(project, ['-f', file, 'down']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(hostLeftovers()).toEqual(NOTHING);
  });

  it('kill -9 of the CLI in the middle of `up`, then `up` again: converges, nothing leaked (4 iterations)', async () => {
    const project = `embkill-${suffix}`;
    const file = busyboxProject(10);
    // Where to kill: as soon as the progress shows this many lines matching, so each lands in a different phase.
    const points = [
      { what: 'the first container create', pattern: / Container \S+ +Creating/, count: 1 },
      { what: 'four containers created', pattern: / Container \S+ +Created/, count: 4 },
      { what: 'two containers started', pattern: / Container \S+ +Started/, count: 2 },
      { what: 'eight containers started', pattern: / Container \S+ +Started/, count: 8 },
    ];
    for (const point of points) {
      // Each iteration starts from an empty project, so each kill point is reached again.
      const interrupted = cli(project, ['-f', file, 'up', '-d']);
      const result = finished(interrupted);
      let seen = 0;
      const watch = (d: Buffer) => {
        seen += d.toString().split('\n').filter((l) => point.pattern.test(l)).length;
        if (seen >= point.count) interrupted.kill('SIGKILL');
      };
      interrupted.stdout!.on('data', watch);
      interrupted.stderr!.on('data', watch);
      const killed = await result;
      expect(killed.code, `the kill after ${point.what} came too late: ${killed.stdout}${killed.stderr}`).toBe(137);
      const again = await run(project, ['-f', file, 'up', '-d']);
      expect(again.code, `after a kill after ${point.what}: ${again.stdout}${again.stderr}`).toBe(0);
      const states = await projectStates(project);
      expect(Object.keys(states).sort(), `after a kill after ${point.what}`).toEqual(Array.from({ length: 10 }, (_, i) => `${project}-s${i + 1}-1`).sort());
      expect(new Set(Object.values(states))).toEqual(new Set(['running']));
      // Exactly one container's worth of everything per service: no duplicate mount, namespace or supervisor.
      const left = hostLeftovers();
      expect(left.mounts.filter((m) => m.includes('/rootfs'))).toHaveLength(10);
      expect(left.netns).toHaveLength(10);
      expect(left.runc).toHaveLength(10);
      expect(left.containers).toHaveLength(10);
      const down = await run(project, ['-f', file, 'down']);
      expect(down.code, down.stdout + down.stderr).toBe(0);
      expect(hostLeftovers(), `after a kill after ${point.what}`).toEqual(NOTHING);
    }
  });
});
