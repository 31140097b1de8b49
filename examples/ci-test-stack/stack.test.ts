/**
 * An integration test suite as a project would write it: one stack for the file, started with the Stack API,
 * real HTTP requests against the ports the engine picked, torn down afterwards. In a project of your own, import
 * from 'flotilla' instead of the relative path.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from '../../src/stack/index.js';

const composeFile = fileURLToPath(new URL('./compose.yaml', import.meta.url));

describe('ci-test-stack', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.up({ files: [composeFile], env: { SEED_VISITS: '100' }, timeoutMs: 90_000 });
  });

  afterAll(async () => {
    await stack?.down();
  });

  it('counts visits from the seeded value, whichever replica answers', async () => {
    const first = await (await fetch(await stack.url('web', 5000, { index: 1 }))).text();
    const second = await (await fetch(await stack.url('web', 5000, { index: 2 }))).text();
    expect(first).toMatch(/: Number of visits is: 101\n$/);
    expect(second).toMatch(/: Number of visits is: 102\n$/);
  });

  it('publishes each replica on its own host port', async () => {
    const ports = [await stack.port('web', 5000, { index: 1 }), await stack.port('web', 5000, { index: 2 })];
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it('answers the health endpoint', async () => {
    const response = await fetch(await stack.url('web', 5000, { path: '/health' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('PONG\n');
  });

  it('ran the one-shot seed job to completion', async () => {
    const seed = (await stack.ps()).find((c) => c.service === 'seed');
    expect(seed?.state).toBe('exited');
    expect(await stack.logs('seed')).toBe('OK\n');
  });

  it('reads the counter inside the stack with exec', async () => {
    const result = await stack.exec('redis', ['redis-cli', 'get', 'visits']);
    expect(result.exitCode).toBe(0);
    expect(Number(result.stdout.trim())).toBeGreaterThanOrEqual(101);
  });
});
