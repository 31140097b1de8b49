/**
 * Readiness of the Stack API: the start fails at once, not at the timeout, when a service turns unhealthy or exits
 * (with the service's name and last log lines in a typed error), a failed one-shot dependency is reported the same
 * way, a service that never gets healthy times out with StackTimeoutError, and a stack that failed to start is
 * removed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/select.js';
import type { Engine } from '../../src/engine/types.js';
import { ServiceNotReadyError, Stack, StackTimeoutError } from '../../src/stack/index.js';
import { buildCli, listContainers, projectNetworks, removeProjectResources, uniqueName } from './flotilla-harness.js';

const LABEL = 'com.docker.compose.project';

describe('Stack: readiness', () => {
  let dir: string;
  let engine: Engine;
  const projects: string[] = [];

  function composeFile(name: string, content: string): string {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, content);
    return path;
  }

  function project(): string {
    const name = uniqueName('stack-wait');
    projects.push(name);
    return name;
  }

  beforeAll(async () => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'stack-wait-'));
    engine = await createEngine({ engine: 'docker' });
  });

  afterAll(async () => {
    for (const name of projects) removeProjectResources(name);
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails within 2 s of a dependency turning unhealthy, naming it, with its last log lines', async () => {
    // `dep` becomes healthy, then the test removes its health file; `slow` keeps the wait going meanwhile.
    const file = composeFile('unhealthy', `
services:
  dep:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "echo dep line one; echo dep line two; touch /tmp/ok; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 300ms
      timeout: 2s
      retries: 1
  slow:
    image: flotilla-test/busybox:latest
    command: ["sleep", "3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/never"]
      interval: 1s
      retries: 1000
`);
    const name = project();
    const watch = new AbortController();
    let turnedUnhealthyAt: number | undefined;
    const watching = (async () => {
      for await (const event of engine.events({ labels: { [LABEL]: name }, types: ['container'], signal: watch.signal })) {
        if (event.attributes['com.docker.compose.service'] !== 'dep') continue;
        if (event.action === 'health_status: healthy' && turnedUnhealthyAt === undefined) {
          const removal = await engine.exec(event.id, { cmd: ['rm', '/tmp/ok'] });
          for await (const _ of removal.output) { /* drain */ }
          expect(await removal.exitCode).toBe(0);
        }
        if (event.action === 'health_status: unhealthy') turnedUnhealthyAt ??= event.time;
      }
    })().catch(() => undefined);

    const startedAt = Date.now();
    const failure = await Stack.up({ files: [file], projectName: name, ephemeral: true, timeoutMs: 60_000 }).then(
      () => undefined, (error: unknown) => error);
    const failedAt = Date.now();
    watch.abort();
    await watching;

    expect(failure).toBeInstanceOf(ServiceNotReadyError);
    const error = failure as ServiceNotReadyError;
    expect(error.service).toBe('dep');
    expect(error.failure).toBe('unhealthy');
    expect(error.logs).toEqual(['dep line one', 'dep line two']);
    expect(error.message).toContain('service "dep" failed to start');
    expect(error.message).toContain('dep line two');
    expect(turnedUnhealthyAt).toBeDefined();
    expect(failedAt - turnedUnhealthyAt!).toBeLessThan(2000);
    expect(failedAt - startedAt).toBeLessThan(30_000);
    // an ephemeral stack that failed to start is removed
    expect(listContainers(name)).toEqual([]);
    expect(projectNetworks(name)).toEqual([]);
  });

  it('fails at once when a service exits while others are still starting, with its exit code and output', async () => {
    const file = composeFile('exits', `
services:
  crash:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "sleep 1; echo cannot open config >&2; exit 7"]
  steady:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "sleep 4; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 1000
`);
    const name = project();
    const startedAt = Date.now();
    const error = await Stack.up({ files: [file], projectName: name, ephemeral: true, timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNotReadyError);
    expect(error).toMatchObject({ service: 'crash', failure: 'exited', containerExitCode: 7, logs: ['cannot open config'] });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(listContainers(name)).toEqual([]);
  });

  it('waits for one-shots to complete, and reports one that fails with its logs', async () => {
    const file = composeFile('oneshot', `
services:
  migrate:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "echo applying 0042_users; echo 'duplicate column: email' >&2; exit \${MIGRATE_EXIT:-0}"]
  app:
    image: flotilla-test/busybox:latest
    command: ["sleep", "3600"]
    depends_on:
      migrate:
        condition: service_completed_successfully
`);
    const ok = await Stack.up({ files: [file], projectName: project(), env: { MIGRATE_EXIT: '0' }, ephemeral: true });
    try {
      const states = Object.fromEntries((await ok.ps()).map((c) => [c.service, c.state]));
      expect(states).toEqual({ migrate: 'exited', app: 'running' });
    } finally {
      await ok.down();
    }

    const name = project();
    const error = await Stack.up({ files: [file], projectName: name, env: { MIGRATE_EXIT: '3' }, ephemeral: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceNotReadyError);
    expect(error).toMatchObject({ service: 'migrate', failure: 'exited', containerExitCode: 3 });
    // stdout and stderr reach the engine through separate pipes: their relative order is not guaranteed
    expect([...(error as ServiceNotReadyError).logs].sort()).toEqual(['applying 0042_users', 'duplicate column: email']);
    expect(listContainers(name)).toEqual([]);
  });

  it('times out with StackTimeoutError naming what it still waited for', async () => {
    const file = composeFile('never', `
services:
  never:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "echo still warming up; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/never"]
      interval: 500ms
      retries: 1000
`);
    const name = project();
    const startedAt = Date.now();
    const error = await Stack.up({ files: [file], projectName: name, ephemeral: true, timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackTimeoutError);
    const timeout = error as StackTimeoutError;
    expect(timeout.pending.map((p) => [p.service, p.logs])).toEqual([['never', ['still warming up']]]);
    expect(timeout.message).toContain('waiting for never');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(listContainers(name)).toEqual([]);
  });
});

describe('Stack: events of a running stack', () => {
  let dir: string;
  const projects: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-events-'));
    writeFileSync(join(dir, 'compose.yaml'), `
services:
  probe:
    image: flotilla-test/busybox:latest
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 300ms
      retries: 1
`);
  });

  afterAll(() => {
    for (const name of projects) removeProjectResources(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports progress while starting, then health changes through the async iterator', async () => {
    const progress: string[] = [];
    const stack = await Stack.up({
      files: [join(dir, 'compose.yaml')],
      onEvent: (event) => {
        if (event.type === 'progress') progress.push(`${event.event.resource} ${event.event.text}`);
        if (event.type === 'ready') progress.push(`ready ${event.service} ${event.state}`);
      },
    });
    projects.push(stack.projectName);
    try {
      expect(progress).toContain(`Container ${stack.projectName}-probe-1 Started`);
      expect(progress).toContain('ready probe Healthy');

      const seen: string[] = [];
      const iterating = (async () => {
        for await (const event of stack.events()) {
          if (event.type !== 'state') continue;
          seen.push(`${event.service} ${event.state} ${event.health ?? ''}`);
          if (event.health === 'unhealthy') return;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the watch opens its event stream
      expect((await stack.exec('probe', ['rm', '/tmp/ok'])).exitCode).toBe(0);
      await iterating;
      expect(seen).toEqual(['probe running unhealthy']);
    } finally {
      await stack.down();
    }
    expect(listContainers(stack.projectName)).toEqual([]);
  });
});
