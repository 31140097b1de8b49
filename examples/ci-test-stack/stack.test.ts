/**
 * An integration test suite as a project would write it: one stack for the file, started with the Stack API,
 * real HTTP requests against the ports the engine picked, torn down afterwards. In a project of your own, import
 * from 'flotilla' instead of the relative path.
 *
 * The same suite runs on each engine: Docker, and the embedded daemonless engine in a temporary data root filled
 * from the test image cache (it needs root, runc and the archives of scripts/test-env.sh, and is skipped without).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from '../../src/stack/index.js';
import { createEngine } from '../../src/engine/select.js';
import { EMBEDDED_TEST_IMAGES, NOTHING_LEFT, destroyTempDataRoot, embeddedUsable, loadTestImages, makeTempDataRoot,
  settledLeftovers, type TempDataRoot } from '../../test/e2e/embedded-helpers.js';

const composeFile = fileURLToPath(new URL('./compose.yaml', import.meta.url));

const engines = [
  { engine: 'docker' as const, skip: false },
  { engine: 'embedded' as const, skip: !embeddedUsable },
];

describe.each(engines)('ci-test-stack on the $engine engine', ({ engine, skip }) => {
  let stack: Stack;
  let temp: TempDataRoot | undefined;
  // The embedded engine's data root reaches the Stack (and its watcher) through the stack's variables.
  let engineEnv: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    if (engine === 'embedded') {
      temp = makeTempDataRoot('flotilla-ci-stack-');
      await loadTestImages(temp.dataRoot, [EMBEDDED_TEST_IMAGES.redis, EMBEDDED_TEST_IMAGES.node]);
      engineEnv = { FLOTILLA_DATA_ROOT: temp.dataRoot };
    }
    stack = await Stack.up({ files: [composeFile], engine, env: { SEED_VISITS: '100', ...engineEnv }, timeoutMs: 90_000 });
  });

  afterAll(async () => {
    await stack?.down();
    if (temp) await destroyTempDataRoot(temp);
  });

  it.skipIf(skip)('counts visits from the seeded value, whichever replica answers', async () => {
    const first = await (await fetch(await stack.url('web', 5000, { index: 1 }))).text();
    const second = await (await fetch(await stack.url('web', 5000, { index: 2 }))).text();
    expect(first).toMatch(/: Number of visits is: 101\n$/);
    expect(second).toMatch(/: Number of visits is: 102\n$/);
  });

  it.skipIf(skip)('publishes each replica on its own host port', async () => {
    const ports = [await stack.port('web', 5000, { index: 1 }), await stack.port('web', 5000, { index: 2 })];
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it.skipIf(skip)('answers the health endpoint', async () => {
    const response = await fetch(await stack.url('web', 5000, { path: '/health' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('PONG\n');
  });

  it.skipIf(skip)('ran the one-shot seed job to completion', async () => {
    const seed = (await stack.ps()).find((c) => c.service === 'seed');
    expect(seed?.state).toBe('exited');
    expect(await stack.logs('seed')).toBe('OK\n');
  });

  it.skipIf(skip)('reads the counter inside the stack with exec', async () => {
    const result = await stack.exec('redis', ['redis-cli', 'get', 'visits']);
    expect(result.exitCode).toBe(0);
    expect(Number(result.stdout.trim())).toBeGreaterThanOrEqual(101);
  });

  it.skipIf(skip)('down leaves nothing of the stack behind', async () => {
    const project = stack.projectName;
    await stack.down();
    const check = await createEngine({ engine, embedded: temp ? { dataRoot: temp.dataRoot } : undefined });
    try {
      const labels = { 'com.docker.compose.project': project };
      expect(await check.listContainers({ all: true, labels })).toEqual([]);
      expect(await check.listNetworks({ labels })).toEqual([]);
      expect(await check.listVolumes({ labels })).toEqual([]);
    } finally {
      await check.close();
    }
    // On the embedded engine, nothing of the data root on the host either: no bridge, namespace, rule, process
    // (the stack's watcher included), mount.
    if (temp) expect(await settledLeftovers(temp.dataRoot)).toEqual(NOTHING_LEFT);
  });
});
