/**
 * Direct tests of the embedded engine's container path with busybox: create, start, logs, exec, stop, remove,
 * restart policy and healthcheck. Needs root, runc and overlayfs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import type { OutputChunk } from '../../src/engine/types.js';
import { busyboxArchive } from './busybox-archive.js';
import { BUSYBOX } from './contract.js';


async function text(output: AsyncIterable<OutputChunk>): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for await (const c of output) {
    if (c.stream === 'stdout') stdout += c.data.toString();
    else stderr += c.data.toString();
  }
  return { stdout, stderr };
}

describe('embedded engine: containers with busybox', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-basic-'));
  let engine: EmbeddedEngine;

  beforeAll(async () => {
    engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
    await engine.loadImageArchive(busyboxArchive(scratch));
  });

  afterAll(async () => {
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true, volumes: true });
    await engine.close();
    await engine.net.cleanupAll();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a command, logs its output and records the exit code', async () => {
    const { id } = await engine.createContainer({ name: 'basic-echo', image: BUSYBOX, labels: {}, cmd: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] });
    await engine.startContainer(id);
    expect(await engine.waitContainer(id)).toEqual({ exitCode: 3 });
    expect(await text(engine.containerLogs(id))).toEqual({ stdout: 'hello\n', stderr: 'oops\n' });
    const d = await engine.inspectContainer(id);
    expect(d.state).toBe('exited');
    await engine.removeContainer(id);
    expect(await engine.listContainers({ names: ['basic-echo'] })).toEqual([]);
  });

  it('execs in a running container and stops it', async () => {
    const { id } = await engine.createContainer({
      name: 'basic-idle',
      image: BUSYBOX,
      labels: {},
      cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'],
    });
    await engine.startContainer(id);
    const session = await engine.exec(id, { cmd: ['sh', '-c', 'echo $((6*7)); hostname; exit 4'] });
    const out = await text(session.output);
    expect(await session.exitCode).toBe(4);
    expect(out.stdout).toBe(`42\n${id.slice(0, 12)}\n`);
    await engine.stopContainer(id, { timeoutSec: 5 });
    expect((await engine.inspectContainer(id)).exitCode).toBe(0);
  });

  it('restarts on failure with back-off, up to the retry count', async () => {
    const { id } = await engine.createContainer({
      name: 'basic-restart',
      image: BUSYBOX,
      labels: {},
      cmd: ['sh', '-c', 'echo run; exit 2'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
    });
    await engine.startContainer(id);
    for (let i = 0; i < 100; i++) {
      const d = await engine.inspectContainer(id);
      if (d.state === 'exited' && d.restartCount === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const d = await engine.inspectContainer(id);
    expect(d.state).toBe('exited');
    expect(d.restartCount).toBe(2);
    expect(d.exitCode).toBe(2);
    expect((await text(engine.containerLogs(id))).stdout).toBe('run\nrun\nrun\n');
  });

  it('runs healthchecks and records the health', async () => {
    const { id } = await engine.createContainer({
      name: 'basic-health',
      image: BUSYBOX,
      labels: {},
      cmd: ['sh', '-c', 'sleep 1; touch /tmp/ready; trap "exit 0" TERM; while :; do sleep 0.1; done'],
      healthcheck: { test: ['CMD-SHELL', 'test -f /tmp/ready'], intervalMs: 200, retries: 2, timeoutMs: 2000 },
    });
    await engine.startContainer(id);
    const seen = new Set<string>();
    for (let i = 0; i < 100 && !seen.has('healthy'); i++) {
      const status = (await engine.inspectContainer(id)).health?.status;
      if (status) seen.add(status);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen]).toEqual(expect.arrayContaining(['starting', 'unhealthy', 'healthy']));
    const health = (await engine.inspectContainer(id)).health!;
    expect(health.failingStreak).toBe(0);
    expect(health.log.at(-1)?.exitCode).toBe(0);
    await engine.stopContainer(id);
  });

  it('runs on the default bridge, with the host network, or with loopback only (none)', async () => {
    const ifaces = async (networkMode?: string) => {
      const { id } = await engine.createContainer({ name: `basic-net-${networkMode ?? 'default'}`, image: BUSYBOX, labels: {}, ...(networkMode ? { networkMode } : {}), cmd: ['sh', '-c', 'ls /sys/class/net | sort'] });
      await engine.startContainer(id);
      await engine.waitContainer(id);
      const out = (await text(engine.containerLogs(id))).stdout;
      await engine.removeContainer(id);
      return out.trim().split('\n');
    };
    expect(await ifaces()).toEqual(['eth0', 'lo']);
    expect(await ifaces('none')).toEqual(['lo']);
    expect((await ifaces('host')).length).toBeGreaterThan(1);
  });
});
