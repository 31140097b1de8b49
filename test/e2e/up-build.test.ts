/**
 * `up --build` on examples/node-web-app (`build: .`): the image is built before the plan, a rebuilt image recreates
 * the container with the reason `image rebuilt: sha256:… → sha256:…` and the new code answers; `--no-build` with a
 * missing image fails before anything is created; `plan --build` builds nothing.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, docker, freePort, ROOT, TestProject, uniqueName } from './flotilla-harness.js';

const EXAMPLE = join(ROOT, 'examples/node-web-app');
let project: TestProject;
let port: number;

beforeAll(async () => {
  buildCli();
  port = await freePort();
  const compose = readFileSync(join(EXAMPLE, 'compose.yaml'), 'utf8').replace('"8080:8080"', `"127.0.0.1:${port}:8080"`);
  project = new TestProject(uniqueName('ft-upb'), compose);
  for (const file of ['Dockerfile', 'package.json', 'server.js']) cpSync(join(EXAMPLE, file), join(project.dir, file));
});
afterAll(async () => {
  await project.cleanup();
  try {
    docker(['rmi', '-f', `${project.name}-web`]);
  } catch { /* never built */ }
});

/** The app's answer once it answers (it starts in a fraction of a second), or the last error after 15 s. */
async function answer(): Promise<{ version: number; message: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      // a fresh connection each time (the container behind the port changes), never waiting long on one
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) });
      return await response.json() as { version: number; message: string };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function imageId(ref: string): string {
  return docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
}

describe('up builds images (docker)', () => {
  it('builds, then rebuilds and recreates with the reason when the code changes', { timeout: 120_000 }, async () => {
    await project.ok(['up', '-d', '--build']);
    expect((await answer()).version).toBe(1);
    const firstImage = imageId(`${project.name}-web`);
    const firstContainer = project.containers()[0]!;

    const server = join(project.dir, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace('version: 1 }', 'version: 2 }'));
    const result = await project.ok(['up', '-d', '--build', '--progress', 'json']);
    const secondImage = imageId(`${project.name}-web`);
    expect(secondImage).not.toBe(firstImage);
    const reasons = result.stderr.split('\n').filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { action?: string; reason?: string }).filter((e) => e.action === 'CreateContainer').map((e) => e.reason);
    expect(reasons[0]).toBe(`image rebuilt: ${firstImage.slice(0, 19)}… → ${secondImage.slice(0, 19)}…`);
    const recreated = project.containers()[0]!;
    expect(recreated.id).not.toBe(firstContainer.id);
    expect(recreated.name).toBe(`${project.name}-web-1`);
    expect((await answer()).version).toBe(2);

    // built again from cache with the same id: nothing to recreate
    const again = await project.ok(['up', '-d', '--build']);
    expect(project.containers()[0]!.id).toBe(recreated.id);
    expect(again.stderr).toContain('Running');
  });

  it('plan --build and up --dry-run --build say what would be built and build nothing', async () => {
    const before = imageId(`${project.name}-web`);
    writeFileSync(join(project.dir, 'server.js'), readFileSync(join(project.dir, 'server.js'), 'utf8').replace('version: 2 }', 'version: 3 }'));
    const plan = await project.ok(['plan', '--build']);
    expect(plan.stdout.split('\n')[0]).toBe(`#1 build image ${project.name}-web: build requested`);
    const dry = await project.ok(['up', '-d', '--build', '--dry-run']);
    expect(dry.stdout).toContain(`build image ${project.name}-web`);
    expect(imageId(`${project.name}-web`)).toBe(before);
    expect((await answer()).version).toBe(2);
  });

  it('up --no-build fails clearly when the image is missing, and creates nothing', async () => {
    const other = new TestProject(uniqueName('ft-upb'), readFileSync(join(project.dir, 'compose.yaml'), 'utf8'));
    try {
      const result = await other.run(['up', '-d', '--no-build']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`service "web" cannot get image ${other.name}-web: the image is missing and building is disabled (--no-build)`);
      expect(other.containers()).toEqual([]);
    } finally {
      await other.cleanup();
    }
  });
});
