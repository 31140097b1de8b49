/**
 * The clean-up guarantee of ephemeral stacks: a stack started from a child process that is then killed with
 * SIGKILL is removed (containers, networks, volumes) within 10 s by its detached watcher; a stack downed normally
 * stops its watcher; and `reapStaleStacks` removes stacks whose owner is gone while leaving live owners' alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/select.js';
import type { Engine } from '../../src/engine/types.js';
import { Stack, findStaleStacks, reapStaleStacks } from '../../src/stack/index.js';
import { isProcessAlive } from '../../src/stack/process-alive.js';
import { ROOT, buildCli, docker, eventually, listContainers, projectNetworks, projectVolumes, removeProjectResources } from './flotilla-harness.js';

const COMPOSE = `
services:
  app:
    image: flotilla-test/busybox:latest
    command: ["sleep", "3600"]
    volumes: ["data:/data"]
  sidecar:
    image: flotilla-test/busybox:latest
    command: ["sleep", "3600"]
    networks: [default, back]
networks:
  back: {}
volumes:
  data: {}
`;

/** The engine's listings by project label: no container, network or volume of the project. */
async function nothingLeft(engine: Engine, project: string): Promise<boolean> {
  const labels = { 'com.docker.compose.project': project };
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers({ all: true, labels }), engine.listNetworks({ labels }), engine.listVolumes({ labels }),
  ]);
  return containers.length + networks.length + volumes.length === 0;
}

describe('Stack: clean-up of ephemeral stacks', () => {
  let dir: string;
  const projects: string[] = [];
  const children: ChildProcess[] = [];
  let engine: Engine;

  beforeAll(async () => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'stack-reaper-'));
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
    engine = await createEngine({ engine: 'docker' });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const project of projects) removeProjectResources(project);
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes a stack within 10 s after its owner is killed with SIGKILL', async () => {
    // The owner is a plain Node process running the built API, as a crashing test runner would.
    const script = join(dir, 'owner.mjs');
    writeFileSync(script, `
      import { Stack } from ${JSON.stringify(join(ROOT, 'dist/stack/index.js'))};
      const stack = await Stack.up({ files: [${JSON.stringify(join(dir, 'compose.yaml'))}] });
      process.stdout.write('UP ' + stack.projectName + ' ' + stack.reaperPid + '\\n');
      setInterval(() => {}, 1000);
    `);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(() => /UP \S+ \d+\n/.test(output) || child.exitCode !== null, 60_000);
    const [, project, reaperPid] = /UP (\S+) (\d+)\n/.exec(output) ?? [];
    expect(project, output).toBeDefined();
    projects.push(project!);

    expect(listContainers(project!).map((c) => c.state)).toEqual(['running', 'running']);
    expect(projectNetworks(project!)).toHaveLength(2);
    expect(projectVolumes(project!)).toHaveLength(1);
    const label = docker(['inspect', '--format', '{{index .Config.Labels "dev.flotilla.ephemeral"}}', listContainers(project!)[0]!.id]);
    expect(label).toBe(`${child.pid}@${hostname()}`);

    child.kill('SIGKILL');
    const elapsed = await eventually(() => nothingLeft(engine, project!), 10_000);
    expect(elapsed).toBeLessThan(10_000);
    // the watcher is done too
    await eventually(() => !isProcessAlive(Number(reaperPid)), 5_000);
  });

  it('stops the watcher when the stack is downed normally', async () => {
    const stack = await Stack.up({ files: [join(dir, 'compose.yaml')], wait: false });
    projects.push(stack.projectName);
    const watcher = stack.reaperPid!;
    expect(isProcessAlive(watcher)).toBe(true);
    await stack.down();
    expect(await nothingLeft(engine, stack.projectName)).toBe(true);
    await eventually(() => !isProcessAlive(watcher), 5_000);
  });

  it('reaps stale stacks (owner gone) and leaves stacks of live owners alone', async () => {
    // An owner that is certainly gone: a process that already exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    const stale = `stack-stale-${Math.random().toString(36).slice(2, 8)}`;
    const live = `stack-live-${Math.random().toString(36).slice(2, 8)}`;
    projects.push(stale, live);
    const labelsOf = (project: string, pid: number): Record<string, string> =>
      ({ 'com.docker.compose.project': project, 'dev.flotilla.ephemeral': `${pid}@${hostname()}` });
    for (const [project, pid] of [[stale, deadPid], [live, process.pid]] as const) {
      await engine.createNetwork({ name: `${project}_default`, labels: labelsOf(project, pid) });
      await engine.createVolume({ name: `${project}_data`, labels: labelsOf(project, pid) });
      await engine.createContainer({ name: `${project}-app-1`, image: 'flotilla-test/busybox:latest', cmd: ['true'],
        labels: { ...labelsOf(project, pid), 'com.docker.compose.service': 'app' } });
    }

    const found = (await findStaleStacks(engine)).map((s) => s.project);
    expect(found).toContain(stale);
    expect(found).not.toContain(live);

    // only ours: other suites' stale stacks are theirs to look at
    const reaped = await reapStaleStacks(engine, { only: (s) => s.project === stale || s.project === live });
    expect(reaped.map((r) => r.project)).toEqual([stale]);
    const mine = reaped[0];
    expect(mine?.owner.pid).toBe(deadPid);
    expect(mine?.removed).toEqual({ containers: [`${stale}-app-1`], networks: [`${stale}_default`], volumes: [`${stale}_data`] });
    expect(await nothingLeft(engine, stale)).toBe(true);
    expect(listContainers(live)).toHaveLength(1);
    expect(projectNetworks(live)).toHaveLength(1);
    expect(projectVolumes(live)).toHaveLength(1);
  });
});
