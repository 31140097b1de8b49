/**
 * The clean-up guarantee of ephemeral stacks on the embedded engine: a stack started from a child process that is
 * then killed with SIGKILL is removed within 10 s by its detached watcher, down to the host: no container, network
 * or volume in the engine, and no bridge, namespace, firewall rule, process (the watcher included) or mount of the
 * data root. The owner picks the data root either through the stack's variables or by passing an Engine, and the
 * watcher must reach that data root either way, whatever its own environment says.
 * Needs root, runc, overlayfs and the image archives of scripts/test-env.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine } from '../../src/engine/embedded/index.js';
import { isProcessAlive } from '../../src/stack/process-alive.js';
import { EMBEDDED_TEST_IMAGES, NOTHING_LEFT, destroyTempDataRoot, embeddedUsable, hostLeftovers, loadTestImages,
  makeTempDataRoot } from './embedded-helpers.js';
import { ROOT, buildCli, eventually } from './flotilla-harness.js';

// A second network, a named volume and a published port: each leaves something on the host until it is removed.
const COMPOSE = `
services:
  app:
    image: ${EMBEDDED_TEST_IMAGES.busybox}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    volumes: ["data:/data"]
    ports: ["8080"]
  sidecar:
    image: ${EMBEDDED_TEST_IMAGES.busybox}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    networks: [default, back]
networks:
  back: {}
volumes:
  data: {}
`;

const temp = makeTempDataRoot('flotilla-stack-emb-');
const { scratch, dataRoot } = temp;

/** The engine's listings by project label. */
async function projectResources(project: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const engine = await createEmbeddedEngine({ dataRoot });
  try {
    const labels = { 'com.docker.compose.project': project };
    const [containers, networks, volumes] = await Promise.all([
      engine.listContainers({ all: true, labels }), engine.listNetworks({ labels }), engine.listVolumes({ labels }),
    ]);
    return { containers: containers.map((c) => c.state), networks: networks.map((n) => n.name), volumes: volumes.map((v) => v.name) };
  } finally {
    await engine.close();
  }
}

const nothingOnHost = (): boolean => Object.values(hostLeftovers(dataRoot)).every((list) => list.length === 0);

describe.skipIf(!embeddedUsable)('Stack on the embedded engine: clean-up of ephemeral stacks', () => {
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    buildCli();
    writeFileSync(join(scratch, 'compose.yaml'), COMPOSE);
    await loadTestImages(dataRoot, [EMBEDDED_TEST_IMAGES.busybox]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await destroyTempDataRoot(temp);
  });

  // How the owner chooses the data root, as the body of its Stack.up options; its own environment has none.
  const ways = [
    { how: 'the stack variables', options: `engine: 'embedded', env: { FLOTILLA_DATA_ROOT: ${JSON.stringify(dataRoot)} }` },
    { how: 'an Engine passed in', options: `engine: await createEmbeddedEngine({ dataRoot: ${JSON.stringify(dataRoot)} })` },
  ];

  it.each(ways)('removes a stack within 10 s after its owner is killed with SIGKILL (data root from $how)', async ({ how, options }) => {
    // The owner is a plain Node process running the built API, as a crashing test runner would.
    const script = join(scratch, `owner-${ways.findIndex((w) => w.how === how)}.mjs`);
    writeFileSync(script, `
      import { Stack } from ${JSON.stringify(join(ROOT, 'dist/stack/index.js'))};
      import { createEmbeddedEngine } from ${JSON.stringify(join(ROOT, 'dist/engine/embedded/index.js'))};
      const stack = await Stack.up({ files: [${JSON.stringify(join(scratch, 'compose.yaml'))}], ${options} });
      process.stdout.write('UP ' + stack.projectName + ' ' + stack.reaperPid + '\\n');
      setInterval(() => {}, 1000);
    `);
    const { FLOTILLA_DATA_ROOT: _ignored, ...ownerEnv } = process.env;
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'], env: ownerEnv });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(() => /UP \S+ \d+\n/.test(output) || child.exitCode !== null, 60_000);
    const [, project, reaperPid] = /UP (\S+) (\d+)\n/.exec(output) ?? [];
    expect(project, output).toBeDefined();

    const before = await projectResources(project!);
    expect(before.containers).toEqual(['running', 'running']);
    expect(before.networks.sort()).toEqual([`${project}_back`, `${project}_default`]);
    expect(before.volumes).toEqual([`${project}_data`]);
    expect(hostLeftovers(dataRoot).netns).toHaveLength(2);

    child.kill('SIGKILL');
    const elapsed = await eventually(async () => {
      const left = await projectResources(project!);
      return left.containers.length + left.networks.length + left.volumes.length === 0 && nothingOnHost();
    }, 10_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify({ engine: await projectResources(project!), host: hostLeftovers(dataRoot) })}`);
    });
    expect(elapsed).toBeLessThan(10_000);
    expect(hostLeftovers(dataRoot)).toEqual(NOTHING_LEFT);
    expect(isProcessAlive(Number(reaperPid))).toBe(false);
  });
});
