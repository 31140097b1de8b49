/**
 * The Engine contract: one suite, written against the interface only, that every engine must pass with real
 * containers, networks, volumes and images. Every object is named with this run's prefix, labelled with
 * `dev.flotilla.test-run=<run id>`, and removed after each test; nothing else on the engine is touched.
 *
 * Needs the test environment of scripts/test-env.sh: the image below, a registry without auth and one with basic
 * auth (flotilla/flotilla). Their addresses can be moved with FLOTILLA_TEST_REGISTRY / FLOTILLA_TEST_AUTH_REGISTRY.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ConflictError, NotFoundError } from '../../src/engine/errors.js';
import type {
  ContainerSpec,
  Engine,
  EngineEvent,
  ExecOptions,
  OutputChunk,
  ProgressEvent,
} from '../../src/engine/types.js';

export interface ContractOptions {
  /** Why this engine cannot run the networking tests (user networks, DNS, published ports). */
  skipNetworking?: string;
  /** Why this engine cannot push to registries (the tests that need an image in a registry push one first). */
  skipPush?: string;
  /** Why this engine cannot build images. */
  skipBuild?: string;
}

export const BUSYBOX = process.env.FLOTILLA_TEST_BUSYBOX ?? 'flotilla-test/busybox:latest';
export const REGISTRY = process.env.FLOTILLA_TEST_REGISTRY ?? '127.0.0.1:5000';
export const AUTH_REGISTRY = process.env.FLOTILLA_TEST_AUTH_REGISTRY ?? '127.0.0.1:5001';
const GOOD_AUTH = { username: 'flotilla', password: 'flotilla' };

const RUN_LABEL = 'dev.flotilla.test-run';
/** Runs until asked to stop (TERM), unlike a bare sleep, which as PID 1 ignores TERM. */
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];

// ---------------------------------------------------------------------------------------------- helpers

export interface Collected {
  stdout: string;
  stderr: string;
  chunks: OutputChunk[];
}

export async function collect(output: AsyncIterable<OutputChunk>): Promise<Collected> {
  const chunks: OutputChunk[] = [];
  for await (const chunk of output) chunks.push(chunk);
  const text = (stream: OutputChunk['stream']) =>
    Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString('utf8');
  return { stdout: text('stdout'), stderr: text('stderr'), chunks };
}

export async function execCollect(
  engine: Engine,
  id: string,
  options: ExecOptions,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const session = await engine.exec(id, options);
  const { stdout, stderr } = await collect(session.output);
  return { exitCode: await session.exitCode, stdout, stderr };
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tarOf(files: { name: string; content: string; mode?: number }[]): Promise<Readable> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mode: f.mode ?? 0o644 }, f.content);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const part of pack) parts.push(part as Buffer);
  return Readable.from([Buffer.concat(parts)]);
}

async function untar(stream: Readable): Promise<Map<string, { mode: number; data: string; type: string }>> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  const extract = tar.extract();
  extract.end(Buffer.concat(parts));
  const out = new Map<string, { mode: number; data: string; type: string }>();
  for await (const entry of extract) {
    const data: Buffer[] = [];
    for await (const d of entry) data.push(d as Buffer);
    out.set(entry.header.name.replace(/\/$/, ''), {
      mode: entry.header.mode ?? 0,
      data: Buffer.concat(data).toString('utf8'),
      type: entry.header.type ?? 'file',
    });
  }
  return out;
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Best effort: drops a manifest this suite pushed, so registries do not grow with each run. */
async function deleteFromRegistry(registry: string, repo: string, tag: string, auth?: typeof GOOD_AUTH) {
  const headers: Record<string, string> = {
    Accept: 'application/vnd.docker.distribution.manifest.v2+json',
  };
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  try {
    const head = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers });
    const digest = head.headers.get('docker-content-digest');
    if (digest) await fetch(`http://${registry}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers });
  } catch {
    // the registry may not allow deletes; a leftover tag is harmless
  }
}

// ---------------------------------------------------------------------------------------------- the suite

export function defineEngineContract(
  name: string,
  makeEngine: () => Promise<Engine>,
  options: ContractOptions = {},
): void {
  /** `it`, or an explicit skip that carries the engine's reason in the test's title. */
  const itWhen =
    (reason: string | undefined) =>
    (title: string, fn: () => Promise<void>): void => {
      if (reason === undefined) it(title, fn);
      else it.skip(`${title} [skipped on ${name}: ${reason}]`, fn);
    };
  const itNet = itWhen(options.skipNetworking);
  const itPush = itWhen(options.skipPush);
  const itBuild = itWhen(options.skipBuild);

  describe(`Engine contract: ${name}`, () => {
    const runId = `flct-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const labels = { [RUN_LABEL]: runId };
    let engine: Engine;
    let counter = 0;
    const images = new Set<string>();

    const uniq = (what: string) => `${runId}-${what}-${++counter}`;

    const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name: uniq('c'),
      image: BUSYBOX,
      cmd: IDLE,
      ...overrides,
      labels: { ...labels, ...(overrides.labels ?? {}) },
    });

    const create = async (overrides: Partial<ContainerSpec> = {}) => {
      const s = spec(overrides);
      const { id } = await engine.createContainer(s);
      return { id, name: s.name };
    };

    const run = async (overrides: Partial<ContainerSpec> = {}) => {
      const c = await create(overrides);
      await engine.startContainer(c.id);
      return c;
    };

    /** Runs a command to completion and returns its exit code and logs. */
    const runToEnd = async (cmd: string[], overrides: Partial<ContainerSpec> = {}) => {
      const c = await run({ cmd, ...overrides });
      const { exitCode } = await engine.waitContainer(c.id);
      return { ...c, exitCode, logs: await collect(engine.containerLogs(c.id)) };
    };

    const cleanup = async () => {
      for (const c of await engine.listContainers({ labels })) {
        await engine.removeContainer(c.id, { force: true, volumes: true }).catch(() => undefined);
      }
      for (const n of await engine.listNetworks({ labels })) {
        await engine.removeNetwork(n.id).catch(() => undefined);
      }
      for (const v of await engine.listVolumes({ labels })) {
        await engine.removeVolume(v.name, true).catch(() => undefined);
      }
    };

    beforeAll(async () => {
      engine = await makeEngine();
      await engine.inspectImage(BUSYBOX).catch((err) => {
        throw new Error(`the contract needs ${BUSYBOX} (run scripts/test-env.sh): ${String(err)}`);
      });
    });

    afterEach(cleanup);

    afterAll(async () => {
      if (!engine) return;
      await cleanup();
      for (const ref of images) await engine.removeImage(ref, { force: true }).catch(() => undefined);
      for (const img of await engine.listImages({ labels })) {
        await engine.removeImage(img.id, { force: true }).catch(() => undefined);
      }
      await engine.close();
    });

    // ------------------------------------------------------------------------------------------ daemon

    describe('daemon', () => {
      it('answers ping and describes itself', async () => {
        await engine.ping();
        const info = await engine.info();
        expect(info.kind).toBe(engine.kind);
        expect(info.version).not.toBe('');
        expect(info.os).toBe('linux');
        expect(info.endpoint).not.toBe('');
      });
    });

    // ------------------------------------------------------------------------------------------ lifecycle

    describe('container lifecycle', () => {
      it('creates a container with the spec applied, not started', async () => {
        const c = await create({
          env: ['FOO=bar', 'EMPTY='],
          workingDir: '/tmp',
          user: '65534',
          hostname: 'box',
          labels: { 'com.example.role': 'web' },
        });
        const d = await engine.inspectContainer(c.id);
        expect(d.id).toBe(c.id);
        expect(d.name).toBe(c.name);
        expect(d.state).toBe('created');
        expect(d.image).toBe(BUSYBOX);
        expect(d.labels).toMatchObject({ ...labels, 'com.example.role': 'web' });
        expect(d.config.env).toEqual(expect.arrayContaining(['FOO=bar', 'EMPTY=']));
        expect(d.config.cmd).toEqual(IDLE);
        expect(d.config.workingDir).toBe('/tmp');
        expect(d.config.user).toBe('65534');
        expect(d.config.hostname).toBe('box');
        expect(d.startedAt).toBe('');
      });

      it('starts a container; starting it again is not an error', async () => {
        const c = await run();
        await engine.startContainer(c.id);
        const d = await engine.inspectContainer(c.id);
        expect(d.state).toBe('running');
        expect(d.pid).toBeGreaterThan(0);
        expect(d.startedAt).not.toBe('');
      });

      it('reports the exit code through wait and inspect', async () => {
        const c = await runToEnd(['sh', '-c', 'exit 3']);
        expect(c.exitCode).toBe(3);
        const d = await engine.inspectContainer(c.id);
        expect(d.state).toBe('exited');
        expect(d.exitCode).toBe(3);
        expect(d.finishedAt).not.toBe('');
      });

      it('waits for a container that exits later', async () => {
        const c = await create({ cmd: ['sh', '-c', 'sleep 0.5; exit 0'] });
        const waiting = engine.waitContainer(c.id, 'next-exit');
        await new Promise((r) => setTimeout(r, 100));
        await engine.startContainer(c.id);
        expect(await waiting).toEqual({ exitCode: 0 });
      });

      it('stops a running container; stopping it again is not an error', async () => {
        const c = await run();
        await engine.stopContainer(c.id, { timeoutSec: 5 });
        const d = await engine.inspectContainer(c.id);
        expect(d.state).toBe('exited');
        expect(d.exitCode).toBe(0);
        await engine.stopContainer(c.id);
      });

      it('kills after the stop timeout when the process ignores the stop signal', async () => {
        const c = await run({ cmd: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'] });
        const started = Date.now();
        await engine.stopContainer(c.id, { timeoutSec: 1 });
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(900);
        expect(elapsed).toBeLessThan(8000);
        expect((await engine.inspectContainer(c.id)).exitCode).toBe(137);
      });

      it("stops with the container's own stop signal and stop timeout", async () => {
        const c = await run({
          cmd: ['sh', '-c', 'trap "echo got-usr1; exit 7" USR1; while :; do sleep 0.1; done'],
          stopSignal: 'SIGUSR1',
          stopTimeoutSec: 20,
        });
        const d0 = await engine.inspectContainer(c.id);
        expect(d0.config.stopSignal).toBe('SIGUSR1');
        expect(d0.config.stopTimeoutSec).toBe(20);
        await engine.stopContainer(c.id);
        const d = await engine.inspectContainer(c.id);
        expect(d.exitCode).toBe(7);
        expect((await collect(engine.containerLogs(c.id))).stdout).toContain('got-usr1');
      });

      it('stops with a signal given to stop', async () => {
        const c = await run({ cmd: ['sh', '-c', 'trap "exit 9" USR2; while :; do sleep 0.1; done'] });
        await engine.stopContainer(c.id, { signal: 'SIGUSR2', timeoutSec: 10 });
        const d = await engine.inspectContainer(c.id);
        expect(d.state).toBe('exited');
        expect(d.exitCode).toBe(9);
      });

      it('kills with a given signal, and with SIGKILL by default', async () => {
        const trapped = await run({ cmd: ['sh', '-c', 'trap "exit 12" USR2; while :; do sleep 0.1; done'] });
        await engine.killContainer(trapped.id, 'SIGUSR2');
        expect((await engine.waitContainer(trapped.id)).exitCode).toBe(12);
        const plain = await run();
        await engine.killContainer(plain.id);
        expect((await engine.waitContainer(plain.id)).exitCode).toBe(137);
      });

      it('refuses to kill a container that is not running (ConflictError)', async () => {
        const c = await create();
        await expect(engine.killContainer(c.id)).rejects.toBeInstanceOf(ConflictError);
      });

      it('pauses and unpauses', async () => {
        const c = await run();
        await engine.pauseContainer(c.id);
        expect((await engine.inspectContainer(c.id)).state).toBe('paused');
        expect((await engine.listContainers({ names: [c.name] }))[0].state).toBe('paused');
        await engine.unpauseContainer(c.id);
        expect((await engine.inspectContainer(c.id)).state).toBe('running');
      });

      it('renames a container; the old name is gone', async () => {
        const c = await create();
        const newName = uniq('renamed');
        await engine.renameContainer(c.id, newName);
        expect((await engine.inspectContainer(c.id)).name).toBe(newName);
        expect((await engine.inspectContainer(newName)).id).toBe(c.id);
        await expect(engine.inspectContainer(c.name)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('restarts a running container', async () => {
        const c = await run();
        const before = await engine.inspectContainer(c.id);
        await new Promise((r) => setTimeout(r, 50));
        await engine.restartContainer(c.id, { timeoutSec: 5 });
        const after = await engine.inspectContainer(c.id);
        expect(after.state).toBe('running');
        expect(after.pid).not.toBe(before.pid);
        expect(after.startedAt).not.toBe(before.startedAt);
      });

      it('refuses to remove a running container without force, removes it with force', async () => {
        const c = await run();
        await expect(engine.removeContainer(c.id)).rejects.toBeInstanceOf(ConflictError);
        await engine.removeContainer(c.id, { force: true });
        await expect(engine.inspectContainer(c.id)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('applies restart policy, port bindings and healthcheck settings as given', async () => {
        const c = await create({
          restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
          healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 1500, retries: 4 },
          exposedPorts: ['9000/udp'],
        });
        const d = await engine.inspectContainer(c.id);
        expect(d.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 2 });
        expect(d.config.healthcheck).toMatchObject({ test: ['CMD-SHELL', 'true'], intervalMs: 1500, retries: 4 });
        expect(d.config.exposedPorts).toContain('9000/udp');
      });
    });

    // ------------------------------------------------------------------------------------------ listing

    describe('listing', () => {
      it('lists by label value exactly', async () => {
        const a = await create({ labels: { 'com.example.tier': 'front' } });
        await create({ labels: { 'com.example.tier': 'back' } });
        await create({ labels: { 'com.example.tier': 'frontend' } });
        const found = await engine.listContainers({ labels: { ...labels, 'com.example.tier': 'front' } });
        expect(found.map((c) => c.id)).toEqual([a.id]);
        expect(found[0].name).toBe(a.name);
        expect(found[0].labels['com.example.tier']).toBe('front');
      });

      it('lists by label existence', async () => {
        const a = await create({ labels: { 'com.example.marked': '' } });
        const b = await create({ labels: { 'com.example.marked': 'yes' } });
        await create();
        const found = await engine.listContainers({ labels: { ...labels, 'com.example.marked': true } });
        expect(found.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
      });

      it('lists by exact name, not by prefix', async () => {
        const a = await create();
        await create({ name: `${a.name}-longer` });
        const found = await engine.listContainers({ names: [a.name] });
        expect(found.map((c) => c.id)).toEqual([a.id]);
      });

      it('lists stopped containers unless all is false', async () => {
        const stopped = await create();
        const running = await run();
        const all = await engine.listContainers({ labels });
        expect(all.map((c) => c.id)).toEqual(expect.arrayContaining([stopped.id, running.id]));
        const live = await engine.listContainers({ labels, all: false });
        expect(live.map((c) => c.id)).toEqual([running.id]);
        expect(live[0].state).toBe('running');
      });
    });

    // ------------------------------------------------------------------------------------------ errors

    describe('typed errors', () => {
      it('NotFoundError names a missing container', async () => {
        const missing = uniq('missing');
        const err = await engine.inspectContainer(missing).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
        expect((err as NotFoundError).kind).toBe('container');
        expect((err as NotFoundError).ref).toBe(missing);
        expect((err as Error).message).toContain(missing);
        for (const call of [
          () => engine.startContainer(missing),
          () => engine.stopContainer(missing),
          () => engine.removeContainer(missing),
          () => engine.waitContainer(missing),
        ]) {
          await expect(call()).rejects.toBeInstanceOf(NotFoundError);
        }
      });

      it('ConflictError on a container name in use', async () => {
        const a = await create();
        const err = await engine.createContainer(spec({ name: a.name })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).kind).toBe('container');
        expect((err as Error).message).toContain(a.name);
      });

      it('NotFoundError names the missing image of a container', async () => {
        const image = `flotilla-test/${runId}-absent:1`;
        const err = await engine.createContainer(spec({ image })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
        expect((err as NotFoundError).kind).toBe('image');
        expect((err as NotFoundError).ref).toContain(`${runId}-absent`);
      });

      it('NotFoundError for a missing network, volume and image', async () => {
        const n = await engine.inspectNetwork(uniq('nonet')).catch((e: unknown) => e);
        expect(n).toBeInstanceOf(NotFoundError);
        expect((n as NotFoundError).kind).toBe('network');
        const v = await engine.inspectVolume(uniq('novol')).catch((e: unknown) => e);
        expect(v).toBeInstanceOf(NotFoundError);
        expect((v as NotFoundError).kind).toBe('volume');
        const i = await engine.inspectImage(`flotilla-test/${runId}-noimg:1`).catch((e: unknown) => e);
        expect(i).toBeInstanceOf(NotFoundError);
        expect((i as NotFoundError).kind).toBe('image');
        expect((i as Error).message).toContain(`${runId}-noimg`);
      });
    });

    // ------------------------------------------------------------------------------------------ logs

    describe('logs', () => {
      it('keeps order and separates stdout from stderr', async () => {
        // stdout and stderr are separate pipes: only writes apart in time have an order to keep.
        const c = await runToEnd(['sh', '-c', 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 0.1; echo err2 >&2']);
        const { stdout, stderr, chunks } = c.logs;
        expect(stdout).toBe('out1\nout2\n');
        expect(stderr).toBe('err1\nerr2\n');
        const sequence = chunks.map((ch) => `${ch.stream}:${ch.data.toString().trim()}`).join(' ');
        expect(sequence).toBe('stdout:out1 stderr:err1 stdout:out2 stderr:err2');
      });

      it('selects streams and the tail', async () => {
        const c = await runToEnd(['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; sleep 0.1; echo e >&2']);
        // As with docker logs, the tail counts lines of both streams.
        const tail = await collect(engine.containerLogs(c.id, { tail: 3 }));
        expect(tail.stdout).toBe('line4\nline5\n');
        expect(tail.stderr).toBe('e\n');
        const onlyOut = await collect(engine.containerLogs(c.id, { stderr: false }));
        expect(onlyOut.stdout).toBe('line1\nline2\nline3\nline4\nline5\n');
        expect(onlyOut.stderr).toBe('');
        const onlyErr = await collect(engine.containerLogs(c.id, { stdout: false }));
        expect(onlyErr.stdout).toBe('');
        expect(onlyErr.stderr).toBe('e\n');
      });

      it('parses timestamps and filters with since', async () => {
        const c = await runToEnd(['sh', '-c', 'echo early; sleep 2; echo late']);
        const stamped = await collect(engine.containerLogs(c.id, { timestamps: true }));
        expect(stamped.stdout).toBe('early\nlate\n');
        const [first, second] = stamped.chunks;
        expect(first.time).toBeGreaterThan(Date.now() - 60_000);
        expect(second.time! - first.time!).toBeGreaterThanOrEqual(1500);
        const since = (first.time! + 1000) / 1000;
        const later = await collect(engine.containerLogs(c.id, { since }));
        expect(later.stdout).toBe('late\n');
      });

      it('follows until the container stops', async () => {
        const c = await run({ cmd: ['sh', '-c', 'for i in 1 2 3; do echo tick$i; sleep 0.3; done'] });
        const started = Date.now();
        const followed = await collect(engine.containerLogs(c.id, { follow: true }));
        expect(followed.stdout).toBe('tick1\ntick2\ntick3\n');
        expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      });

      it('stops following when the signal aborts', async () => {
        const c = await run({ cmd: ['sh', '-c', 'echo first; while :; do sleep 0.1; done'] });
        const controller = new AbortController();
        const seen: string[] = [];
        const started = Date.now();
        for await (const chunk of engine.containerLogs(c.id, { follow: true, signal: controller.signal })) {
          seen.push(chunk.data.toString());
          setTimeout(() => controller.abort(), 200);
        }
        expect(seen.join('')).toBe('first\n');
        expect(Date.now() - started).toBeLessThan(5000);
      });

      it('reads the raw output of a tty container as stdout', async () => {
        const c = await runToEnd(['sh', '-c', 'echo on-tty; echo also >&2'], { tty: true });
        expect(c.logs.stderr).toBe('');
        expect(c.logs.stdout.replace(/\r/g, '')).toBe('on-tty\nalso\n');
      });
    });

    // ------------------------------------------------------------------------------------------ attach

    describe('attach', () => {
      it('streams what the container writes after attaching', async () => {
        const c = await create({ cmd: ['sh', '-c', 'sleep 0.5; echo hello; echo oops >&2'] });
        const session = await engine.attachContainer(c.id);
        await engine.startContainer(c.id);
        const out = await collect(session.output);
        expect(out.stdout).toBe('hello\n');
        expect(out.stderr).toBe('oops\n');
        await session.close();
      });

      it("writes to the container's stdin", async () => {
        const c = await run({ cmd: ['sh', '-c', 'read line; echo got:$line'], stdinOpen: true, attachStdin: true });
        const session = await engine.attachContainer(c.id, { stdin: true });
        expect(session.stdin).toBeDefined();
        // Kept open: without stdinOnce, closing stdin would end this attachment (Docker's rule).
        session.stdin!.write('ahoy\n');
        const out = await collect(session.output);
        expect(out.stdout).toBe('got:ahoy\n');
        expect((await engine.waitContainer(c.id)).exitCode).toBe(0);
        await session.close();
      });

      it("closes the container's stdin when the attached stdin ends (stdinOnce)", async () => {
        const c = await create({ cmd: ['sh', '-c', 'cat; echo eof-seen'], stdinOpen: true, stdinOnce: true, attachStdin: true });
        const session = await engine.attachContainer(c.id, { stdin: true });
        await engine.startContainer(c.id);
        session.stdin!.end('line one\nline two\n');
        const out = await collect(session.output);
        expect(out.stdout).toBe('line one\nline two\neof-seen\n');
        expect((await engine.waitContainer(c.id)).exitCode).toBe(0);
      });
    });

    // ------------------------------------------------------------------------------------------ exec

    describe('exec', () => {
      it('returns the exit code and separates the streams', async () => {
        const c = await run();
        const r = await execCollect(engine, c.id, { cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 5'] });
        expect(r).toEqual({ exitCode: 5, stdout: 'to-out\n', stderr: 'to-err\n' });
      });

      it('pipes stdin to the process', async () => {
        const c = await run();
        const r = await execCollect(engine, c.id, { cmd: ['sh', '-c', 'tr a-z A-Z'], stdin: 'quiet words\n' });
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toBe('QUIET WORDS\n');
      });

      it('applies env, user and working directory', async () => {
        const c = await run({ env: ['FROM_SPEC=1'] });
        const r = await execCollect(engine, c.id, {
          cmd: ['sh', '-c', 'echo "$GREETING $FROM_SPEC"; id -u; pwd'],
          env: ['GREETING=hi'],
          user: '65534',
          workingDir: '/tmp',
        });
        expect(r.stdout).toBe('hi 1\n65534\n/tmp\n');
      });

      it('fails with NotFoundError in a missing container and ConflictError in a stopped one', async () => {
        await expect(engine.exec(uniq('gone'), { cmd: ['true'] })).rejects.toBeInstanceOf(NotFoundError);
        const c = await create();
        await expect(engine.exec(c.id, { cmd: ['true'] })).rejects.toBeInstanceOf(ConflictError);
      });
    });

    // ------------------------------------------------------------------------------------------ files and processes

    describe('archives, top and stats', () => {
      it('round-trips files through putArchive and getArchive, keeping the mode', async () => {
        const c = await run();
        await engine.putArchive(
          c.id,
          '/tmp',
          await tarOf([
            { name: 'hello.sh', content: '#!/bin/sh\necho from-archive\n', mode: 0o750 },
            { name: 'data.txt', content: 'plain', mode: 0o600 },
          ]),
        );
        const r = await execCollect(engine, c.id, { cmd: ['/tmp/hello.sh'] });
        expect(r.stdout).toBe('from-archive\n');
        const files = await untar(await engine.getArchive(c.id, '/tmp/hello.sh'));
        expect(files.get('hello.sh')).toMatchObject({ data: '#!/bin/sh\necho from-archive\n' });
        expect(files.get('hello.sh')!.mode & 0o777).toBe(0o750);
        const dir = await untar(await engine.getArchive(c.id, '/tmp'));
        expect(dir.get('tmp/data.txt')).toMatchObject({ data: 'plain' });
        expect(dir.get('tmp/data.txt')!.mode & 0o777).toBe(0o600);
      });

      it('NotFoundError for a missing path in getArchive', async () => {
        const c = await run();
        await expect(engine.getArchive(c.id, '/no/such/path')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('lists processes with top', async () => {
        const c = await run({ cmd: ['sh', '-c', 'sleep 301'] });
        const top = await engine.top(c.id);
        expect(top.titles).toEqual(expect.arrayContaining(['PID']));
        const cmdColumn = top.titles.findIndex((t) => t === 'CMD' || t === 'COMMAND');
        expect(top.processes.some((p) => p[cmdColumn].includes('sleep 301'))).toBe(true);
      });

      it('samples stats', async () => {
        const c = await run();
        const s = await engine.stats(c.id);
        expect(s.memoryBytes).toBeGreaterThan(0);
        expect(s.memoryLimitBytes).toBeGreaterThan(0);
        expect(s.pids).toBeGreaterThanOrEqual(1);
        expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
      });
    });

    // ------------------------------------------------------------------------------------------ networks

    describe('networks', () => {
      itNet('creates a network with labels, IPAM and internal; lists it by label', async () => {
        const name = uniq('net');
        const { id } = await engine.createNetwork({
          name,
          labels: { ...labels, 'com.example.net': 'a' },
          internal: true,
          ipam: { config: [{ subnet: '10.231.7.0/24', gateway: '10.231.7.1' }] },
        });
        const d = await engine.inspectNetwork(name);
        expect(d.id).toBe(id);
        expect(d.internal).toBe(true);
        expect(d.labels['com.example.net']).toBe('a');
        expect(d.ipam.config).toEqual([{ subnet: '10.231.7.0/24', gateway: '10.231.7.1' }]);
        const listed = await engine.listNetworks({ labels: { ...labels, 'com.example.net': 'a' } });
        expect(listed.map((n) => n.name)).toEqual([name]);
        expect((await engine.listNetworks({ names: [name] })).map((n) => n.id)).toEqual([id]);
      });

      itNet('refuses a second network with the same name (ConflictError)', async () => {
        const name = uniq('net');
        await engine.createNetwork({ name, labels });
        await expect(engine.createNetwork({ name, labels })).rejects.toBeInstanceOf(ConflictError);
      });

      itNet('connects with aliases and disconnects', async () => {
        const name = uniq('net');
        await engine.createNetwork({ name, labels });
        const c = await run();
        await engine.connectNetwork(name, c.id, { aliases: ['db-alias'] });
        const d = await engine.inspectContainer(c.id);
        expect(d.networks[name]).toBeDefined();
        expect(d.networks[name].aliases).toContain('db-alias');
        expect(d.networks[name].ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(Object.values((await engine.inspectNetwork(name)).containers).map((e) => e.name)).toContain(c.name);
        await engine.disconnectNetwork(name, c.id);
        expect((await engine.inspectContainer(c.id)).networks[name]).toBeUndefined();
      });

      itNet('attaches every network of the spec before start, with aliases and a fixed address', async () => {
        const first = uniq('net');
        const second = uniq('net');
        await engine.createNetwork({ name: first, labels, ipam: { config: [{ subnet: '10.231.8.0/24' }] } });
        await engine.createNetwork({ name: second, labels });
        const c = await create({
          networks: [
            { network: second, aliases: ['two'] },
            { network: first, aliases: ['one'], ipv4Address: '10.231.8.42', priority: 10 },
          ],
        });
        const created = await engine.inspectContainer(c.id);
        expect(Object.keys(created.networks).sort()).toEqual([first, second].sort());
        await engine.startContainer(c.id);
        const d = await engine.inspectContainer(c.id);
        expect(d.networks[first].ipAddress).toBe('10.231.8.42');
        expect(d.networks[first].aliases).toContain('one');
        expect(d.networks[second].aliases).toContain('two');
      });

      itNet('resolves containers by alias and by name on a user network', async () => {
        const name = uniq('net');
        await engine.createNetwork({ name, labels });
        const server = await run({ networks: [{ network: name, aliases: ['backend-alias'] }] });
        const client = await run({ networks: [{ network: name }] });
        const serverIp = (await engine.inspectContainer(server.id)).networks[name].ipAddress!;
        for (const target of ['backend-alias', server.name]) {
          const r = await execCollect(engine, client.id, { cmd: ['nslookup', target] });
          expect(r.exitCode, `${target}: ${r.stdout}${r.stderr}`).toBe(0);
          expect(r.stdout).toContain(serverIp);
        }
        const ping = await execCollect(engine, client.id, { cmd: ['ping', '-c1', '-W2', 'backend-alias'] });
        expect(ping.exitCode).toBe(0);
      });

      itNet('removes a network', async () => {
        const name = uniq('net');
        await engine.createNetwork({ name, labels });
        await engine.removeNetwork(name);
        await expect(engine.inspectNetwork(name)).rejects.toBeInstanceOf(NotFoundError);
      });

      itNet('refuses to remove a network in use (ConflictError)', async () => {
        const name = uniq('net');
        await engine.createNetwork({ name, labels });
        await run({ networks: [{ network: name }] });
        await expect(engine.removeNetwork(name)).rejects.toBeInstanceOf(ConflictError);
      });
    });

    // ------------------------------------------------------------------------------------------ ports

    describe('published ports', () => {
      const httpd = ['sh', '-c', 'mkdir -p /www && echo served-by-busybox > /www/index.html && exec httpd -f -p 80 -h /www'];

      itNet('answers on the published host port on 127.0.0.1', async () => {
        const port = 20000 + Math.floor(Math.random() * 20000);
        const c = await run({ cmd: httpd, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(port) }] });
        const body = await waitUntil('httpd to answer', () => httpGet(port).catch(() => undefined));
        expect(body).toBe('served-by-busybox\n');
        const d = await engine.inspectContainer(c.id);
        expect(d.ports).toContainEqual({ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port });
        expect(d.portBindings).toContainEqual({ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: String(port) });
      });

      itNet('reports the ephemeral host port the engine chose', async () => {
        const c = await run({ cmd: httpd, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }] });
        const d = await engine.inspectContainer(c.id);
        const bound = d.ports.find((p) => p.containerPort === 80);
        expect(bound).toBeDefined();
        expect(bound!.hostPort).toBeGreaterThan(0);
        const listed = (await engine.listContainers({ names: [c.name] }))[0];
        expect(listed.ports).toContainEqual(bound);
        expect(await waitUntil('httpd to answer', () => httpGet(bound!.hostPort).catch(() => undefined))).toBe(
          'served-by-busybox\n',
        );
      });
    });

    // ------------------------------------------------------------------------------------------ volumes

    describe('volumes', () => {
      it('creates, lists, inspects and removes a volume', async () => {
        const name = uniq('vol');
        const created = await engine.createVolume({ name, labels: { ...labels, 'com.example.vol': 'x' } });
        expect(created.name).toBe(name);
        expect(created.labels['com.example.vol']).toBe('x');
        const listed = await engine.listVolumes({ labels: { ...labels, 'com.example.vol': 'x' } });
        expect(listed.map((v) => v.name)).toEqual([name]);
        expect((await engine.listVolumes({ names: [name] })).map((v) => v.name)).toEqual([name]);
        const inspected = await engine.inspectVolume(name);
        expect(inspected.driver).toBe('local');
        expect(inspected.mountpoint).not.toBe('');
        await engine.removeVolume(name);
        await expect(engine.inspectVolume(name)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('keeps data after the container that wrote it is removed', async () => {
        const name = uniq('vol');
        await engine.createVolume({ name, labels });
        const mounts = [{ type: 'volume' as const, source: name, target: '/data' }];
        const writer = await runToEnd(['sh', '-c', 'echo persisted > /data/file'], { mounts });
        expect(writer.exitCode).toBe(0);
        await engine.removeContainer(writer.id);
        const reader = await runToEnd(['cat', '/data/file'], { mounts });
        expect(reader.logs.stdout).toBe('persisted\n');
        const d = await engine.inspectContainer(reader.id);
        expect(d.mounts).toContainEqual(expect.objectContaining({ type: 'volume', name, destination: '/data' }));
      });

      it('refuses to remove a volume in use (ConflictError)', async () => {
        const name = uniq('vol');
        await engine.createVolume({ name, labels });
        await create({ mounts: [{ type: 'volume', source: name, target: '/data' }] });
        const err = await engine.removeVolume(name).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).kind).toBe('volume');
      });

      it('mounts binds read-only and tmpfs', async () => {
        const r = await runToEnd(['sh', '-c', 'touch /ro/x 2>/dev/null && echo writable || echo read-only; mount | grep -c " /scratch type tmpfs"'], {
          mounts: [
            { type: 'bind', source: '/etc', target: '/ro', readOnly: true },
            { type: 'tmpfs', target: '/scratch', tmpfsSizeBytes: 1 << 20 },
          ],
        });
        expect(r.logs.stdout).toBe('read-only\n1\n');
      });
    });

    // ------------------------------------------------------------------------------------------ images

    describe('images', () => {
      it('inspects an image config', async () => {
        const img = await engine.inspectImage(BUSYBOX);
        expect(img.id).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(img.repoTags).toContain(BUSYBOX);
        expect(img.config.cmd).toEqual(['sh']);
        expect(img.config.env.some((e) => e.startsWith('PATH='))).toBe(true);
        expect(img.os).toBe('linux');
        expect((await engine.listImages({ references: [BUSYBOX] })).map((i) => i.id)).toContain(img.id);
      });

      it('tags and removes a tag, leaving the image', async () => {
        const target = `flotilla-test/${runId}-tagged:v1`;
        images.add(target);
        await engine.tagImage(BUSYBOX, target);
        const tagged = await engine.inspectImage(target);
        expect(tagged.id).toBe((await engine.inspectImage(BUSYBOX)).id);
        await engine.removeImage(target);
        await expect(engine.inspectImage(target)).rejects.toBeInstanceOf(NotFoundError);
        await engine.inspectImage(BUSYBOX);
      });

      itWhen(options.skipPush ?? options.skipBuild)('pushes to and pulls from a registry, with progress', async () => {
        const repo = `flotilla-test/contract-${runId}`;
        const ref = `${REGISTRY}/${repo}:v1`;
        images.add(ref);
        // An image of this run only, so that the pull has a layer to transfer.
        const dockerfile = `FROM ${BUSYBOX}\nRUN echo ${runId} > /run-id\n`;
        await engine.buildImage(await tarOf([{ name: 'Dockerfile', content: dockerfile }]), { tags: [ref], labels });
        const pushed = await engine.pushImage(ref);
        expect(pushed.digest).toMatch(/^sha256:/);
        await engine.removeImage(ref);
        const events: ProgressEvent[] = [];
        try {
          await engine.pullImage(ref, { onProgress: (e) => events.push(e) });
          expect(events.filter((e) => e.kind === 'layer').map((e) => e.status)).toContain('Pull complete');
          expect(events.at(-1)).toEqual({ kind: 'done', digest: pushed.digest });
          expect((await engine.inspectImage(ref)).repoDigests).toContain(`${REGISTRY}/${repo}@${pushed.digest}`);
        } finally {
          await deleteFromRegistry(REGISTRY, repo, 'v1');
        }
      });

      it('NotFoundError when pulling a tag the registry does not have', async () => {
        const ref = `${REGISTRY}/flotilla-test/${runId}-nothere:v1`;
        const err = await engine.pullImage(ref).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotFoundError);
        expect((err as NotFoundError).kind).toBe('image');
        expect((err as Error).message).toContain(`${runId}-nothere`);
      });

      itPush('pulls with credentials; a wrong password is an AuthError', async () => {
        const repo = `flotilla-test/contract-${runId}`;
        const ref = `${AUTH_REGISTRY}/${repo}:v1`;
        images.add(ref);
        const auth = { ...GOOD_AUTH, serveraddress: AUTH_REGISTRY };
        await engine.tagImage(BUSYBOX, ref);
        await expect(engine.pushImage(ref, { auth: { ...auth, password: 'wrong' } })).rejects.toBeInstanceOf(AuthError);
        await engine.pushImage(ref, { auth });
        await engine.removeImage(ref);
        try {
          await expect(engine.pullImage(ref, { auth: { ...auth, password: 'wrong' } })).rejects.toBeInstanceOf(AuthError);
          await expect(engine.pullImage(ref)).rejects.toBeInstanceOf(AuthError);
          await engine.pullImage(ref, { auth });
          expect((await engine.inspectImage(ref)).id).toBe((await engine.inspectImage(BUSYBOX)).id);
        } finally {
          await deleteFromRegistry(AUTH_REGISTRY, repo, 'v1', GOOD_AUTH);
        }
      });

      itBuild('builds from a context tar; the second build reports cached steps', async () => {
        const tag = `flotilla-test/${runId}-built:1`;
        images.add(tag);
        const context = () =>
          tarOf([
            {
              name: 'Dockerfile',
              content: [
                `FROM ${BUSYBOX}`,
                `ENV BUILT_BY=${runId}`,
                'COPY message.txt /message.txt',
                'RUN cat /message.txt > /built.txt',
                'CMD ["cat", "/built.txt"]',
                '',
              ].join('\n'),
            },
            { name: 'message.txt', content: 'built-from-context\n' },
          ]);
        const first: ProgressEvent[] = [];
        const built = await engine.buildImage(await context(), { tags: [tag], labels, onProgress: (e) => first.push(e) });
        expect(built.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
        const firstSteps = first.filter((e) => e.kind === 'step');
        // The builder may add a step of its own for the labels.
        expect(firstSteps.slice(0, 5).map((s) => [s.step, s.instruction.split(' ')[0]])).toEqual([
          [1, 'FROM'],
          [2, 'ENV'],
          [3, 'COPY'],
          [4, 'RUN'],
          [5, 'CMD'],
        ]);
        expect(firstSteps.find((s) => s.instruction.startsWith('RUN'))).toMatchObject({ cached: false });
        expect(firstSteps[0].total).toBe(firstSteps.length);

        const second: ProgressEvent[] = [];
        const rebuilt = await engine.buildImage(await context(), { tags: [tag], labels, onProgress: (e) => second.push(e) });
        expect(rebuilt.imageId).toBe(built.imageId);
        const runStep = second.find((e) => e.kind === 'step' && e.instruction.startsWith('RUN'));
        expect(runStep).toMatchObject({ kind: 'step', step: 4, cached: true });

        const image = await engine.inspectImage(tag);
        expect(image.config.cmd).toEqual(['cat', '/built.txt']);
        expect(image.config.env).toContain(`BUILT_BY=${runId}`);
        expect(image.labels[RUN_LABEL]).toBe(runId);
        const out = await runToEnd(['cat', '/built.txt'], { image: tag });
        expect(out.logs.stdout).toBe('built-from-context\n');
      });
    });

    // ------------------------------------------------------------------------------------------ events

    describe('events', () => {
      it('streams create, start and die for containers with a label, and nothing else', async () => {
        const marker = uniq('ev');
        const controller = new AbortController();
        const seen: EngineEvent[] = [];
        const stream = (async () => {
          for await (const e of engine.events({
            labels: { 'com.example.events': marker },
            types: ['container'],
            signal: controller.signal,
          })) {
            seen.push(e);
            if (e.action === 'die') controller.abort();
          }
        })();
        await new Promise((r) => setTimeout(r, 300));
        // Another container of this run without the marker: its events must not show up.
        await runToEnd(['true']);
        const c = await run({ cmd: ['sh', '-c', 'exit 4'], labels: { 'com.example.events': marker } });
        const timer = setTimeout(() => controller.abort(), 15_000);
        await stream;
        clearTimeout(timer);
        expect(seen.map((e) => e.action)).toEqual(['create', 'start', 'die']);
        for (const e of seen) {
          expect(e.type).toBe('container');
          expect(e.id).toBe(c.id);
          expect(e.attributes['com.example.events']).toBe(marker);
          expect(e.attributes.name).toBe(c.name);
          expect(e.time).toBeGreaterThan(Date.now() - 60_000);
        }
        expect(seen[2].attributes.exitCode).toBe('4');
      });
    });
  });
}

