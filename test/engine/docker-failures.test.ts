/**
 * How the Docker engine fails: a daemon that is not there, one that drops the connection mid-answer, one that
 * does not answer in time, and objects that do not exist. The dropped connections come from a small fake
 * server on a unix socket, so the real dockerd is never disturbed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/engine/docker/index.js';
import { ConflictError, EngineUnavailableError, InvalidRequestError, NotFoundError } from '../../src/engine/errors.js';
import { createEngine } from '../../src/engine/select.js';
import type { Engine } from '../../src/engine/types.js';
import { BUSYBOX, REGISTRY } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-docker-failures-'));
const engines: Engine[] = [];
const servers: Server[] = [];

function engineAt(host: string): Engine {
  const engine = createDockerEngine({ env: { DOCKER_HOST: host } });
  engines.push(engine);
  return engine;
}

/** A unix-socket server that answers each request with `respond`, which may misbehave on purpose. */
async function fakeDaemon(name: string, respond: (path: string, socket: Socket) => void): Promise<string> {
  const path = join(dir, `${name}.sock`);
  const server = createServer((socket) => {
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const requestPath = head.split(' ')[1] ?? '/';
      head = head.slice(end + 4);
      respond(requestPath, socket);
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

async function refusedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

afterAll(async () => {
  for (const server of servers) await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('Docker unreachable', () => {
  it('a unix socket path where nothing listens gives the clear EngineUnavailableError', async () => {
    const socket = join(dir, 'nobody-here.sock');
    const engine = engineAt(`unix://${socket}`);
    const err = await engine.listContainers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toBe(
      `cannot reach Docker at unix://${socket}: is dockerd running? Use --engine embedded to run without a daemon`,
    );
    await expect(engine.ping()).rejects.toThrow(`cannot reach Docker at unix://${socket}: is dockerd running?`);
  });

  it('a file that is not a socket gives EngineUnavailableError', async () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, '');
    const err = await engineAt(`unix://${file}`).inspectContainer('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain(`cannot reach Docker at unix://${file}`);
  });

  it('a tcp port that refuses gives EngineUnavailableError naming the endpoint', async () => {
    const port = await refusedTcpPort();
    const engine = engineAt(`tcp://127.0.0.1:${port}`);
    const err = await engine.info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toBe(
      `cannot reach Docker at tcp://127.0.0.1:${port}: is dockerd running? Use --engine embedded to run without a daemon`,
    );
  });

  it('streams fail the same way', async () => {
    const engine = engineAt(`unix://${join(dir, 'absent.sock')}`);
    const iterate = async () => {
      for await (const _ of engine.events()) break;
    };
    await expect(iterate()).rejects.toBeInstanceOf(EngineUnavailableError);
    const logs = async () => {
      for await (const _ of engine.containerLogs('x')) break;
    };
    await expect(logs()).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it('ping gives up after its timeout when the daemon accepts but never answers', async () => {
    const socket = await fakeDaemon('silent', () => undefined);
    const engine = createDockerEngine({ env: { DOCKER_HOST: `unix://${socket}` } });
    engines.push(engine);
    const started = Date.now();
    const err = await engine.ping(300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('connection lost during a call', () => {
  it('a reply cut in the middle gives EngineUnavailableError', async () => {
    const socket = await fakeDaemon('cut-json', (_path, s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n[{"Id":"abc"');
      setTimeout(() => s.destroy(), 20);
    });
    const err = await engineAt(`unix://${socket}`).listContainers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`^lost the connection to Docker at unix://${socket} during list containers`));
  });

  it('a connection closed before any answer gives EngineUnavailableError', async () => {
    const socket = await fakeDaemon('hangup', (_path, s) => s.destroy());
    const err = await engineAt(`unix://${socket}`).startContainer('web').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain('during start container web');
  });

  it('a log stream cut after some frames gives EngineUnavailableError after the frames', async () => {
    const socket = await fakeDaemon('cut-logs', (path, s) => {
      if (path.includes('/json')) {
        const body = JSON.stringify({ Id: 'c1', Config: { Tty: false } });
        s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 6]), Buffer.from('hello\n')]);
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
      s.write(`${frame.length.toString(16)}\r\n`);
      s.write(frame);
      s.write('\r\n');
      setTimeout(() => s.destroy(), 50);
    });
    const engine = engineAt(`unix://${socket}`);
    const seen: string[] = [];
    const follow = async () => {
      for await (const chunk of engine.containerLogs('c1', { follow: true })) seen.push(chunk.data.toString());
    };
    const err = await follow().catch((e: unknown) => e);
    expect(seen).toEqual(['hello\n']);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain('during logs of container c1');
  });
});

describe('objects that do not exist (real dockerd)', () => {
  const suffix = `${Date.now().toString(36)}${process.pid}`;

  it('a missing image gives NotFoundError naming the image', async () => {
    const engine = createDockerEngine();
    engines.push(engine);
    const image = `flotilla-test/absent-${suffix}:1`;
    for (const call of [
      () => engine.inspectImage(image),
      () => engine.createContainer({ name: `flotilla-failures-${suffix}`, image, labels: {} }),
      () => engine.removeImage(image),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).kind).toBe('image');
      expect((err as NotFoundError).ref).toContain(`absent-${suffix}`);
      expect((err as Error).message).toContain(`absent-${suffix}`);
    }
    await expect(engine.inspectContainer(`flotilla-failures-${suffix}`)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pulling an image the registry lacks gives NotFoundError naming it', async () => {
    const engine = createDockerEngine();
    engines.push(engine);
    const ref = `${REGISTRY}/flotilla-test/absent-${suffix}:1`;
    const err = await engine.pullImage(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).kind).toBe('image');
    expect((err as Error).message).toContain(`absent-${suffix}`);
  });

  it('starting and stopping twice are not errors; a missing container is', async () => {
    const engine = createDockerEngine();
    engines.push(engine);
    const name = `flotilla-failures-${suffix}-c`;
    const { id } = await engine.createContainer({
      name,
      image: BUSYBOX,
      cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'],
      labels: { 'dev.flotilla.test-run': suffix },
    });
    try {
      await engine.startContainer(id);
      await engine.startContainer(id);
      await engine.stopContainer(id, { timeoutSec: 5 });
      await engine.stopContainer(id, { timeoutSec: 5 });
      const err = await engine.createContainer({ name, image: BUSYBOX, labels: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
    } finally {
      await engine.removeContainer(id, { force: true });
    }
    const gone = await engine.stopContainer(id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).kind).toBe('container');
  });
});

describe('choosing the engine', () => {
  it('auto falls back from an unreachable Docker to the embedded engine, or says why it cannot', async () => {
    const socket = join(dir, 'auto-absent.sock');
    const started = Date.now();
    const result = await createEngine({ engine: 'auto', dockerHost: `unix://${socket}` }).then(
      (engine) => engine,
      (err: unknown) => err,
    );
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(EngineUnavailableError);
      expect(result.message).toContain(`cannot reach Docker at unix://${socket}`);
      expect(result.message).toContain('embedded engine');
    } else {
      engines.push(result as Engine);
      expect((result as Engine).kind).toBe('embedded');
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('auto picks Docker when it answers', async () => {
    const engine = await createEngine({ engine: 'auto', env: {} });
    engines.push(engine);
    expect(engine.kind).toBe('docker');
  });

  it('FLOTILLA_ENGINE chooses, and a wrong value is refused', async () => {
    const engine = await createEngine({ env: { FLOTILLA_ENGINE: 'docker', DOCKER_HOST: 'unix:///nowhere.sock' } });
    engines.push(engine);
    expect(engine.kind).toBe('docker');
    await expect(engine.ping()).rejects.toThrow('cannot reach Docker at unix:///nowhere.sock');
    await expect(createEngine({ env: { FLOTILLA_ENGINE: 'podman' } })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
