/**
 * The node-web-app example, built by the CLI: a first build, a change to server.js only, a rebuild whose steps
 * before `COPY . .` are CACHED, then `up` replacing the container because its image changed, and the new code
 * answering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, docker, TestProject, uniqueName } from './flotilla-harness.js';
import { copyExample, imageId, plainSteps, removeImages } from './images-helpers.js';

const name = uniqueName('fimg-example');
const image = `${name}-web`;
let project: TestProject;
/** Every id the tag had: a rebuild leaves the previous image untagged, and it is ours to remove too. */
const madeIds = new Set<string>();
const remember = (): void => {
  const id = imageId(image);
  if (id) madeIds.add(id);
};
/** Changes server.js to a version of this run only, so that no cached layer of an earlier run matches. */
function setVersion(from: number, to: number): void {
  const server = join(project.dir, 'server.js');
  writeFileSync(server, readFileSync(server, 'utf8').replace(new RegExp(`version: ${from}\\b[^}]*`), `version: ${to}, run: '${name}' `));
}

async function answer(): Promise<{ message: string; version: number }> {
  const id = project.containers().find((c) => c.service === 'web' && c.state === 'running')!.id;
  const port = docker(['port', id, '8080/tcp']).split('\n')[0]!.split(':').pop();
  for (let attempt = 0; ; attempt++) {
    try {
      return (await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) })).json()) as { message: string; version: number };
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(() => {
  buildCli();
  project = new TestProject(name, [
    'services:',
    '  web:',
    '    build: .',
    '    ports: ["8080"]',
    '    environment:',
    '      MESSAGE: built by the images suite',
    '',
  ].join('\n'));
  copyExample(project.dir);
});

afterAll(async () => {
  await project.cleanup();
  removeImages(image, ...madeIds);
});

describe('node-web-app example', () => {
  it('builds, and rebuilds only from COPY . . after a change to server.js', async () => {
    const first = await project.ok(['--progress', 'plain', 'build']);
    const firstSteps = plainSteps(first.stderr);
    expect(firstSteps.map((s) => s.instruction.split(' ')[0])).toEqual(
      expect.arrayContaining(['FROM', 'WORKDIR', 'COPY', 'RUN', 'EXPOSE', 'CMD']),
    );
    expect(first.stderr).toMatch(/load build context: \d+ files/);
    const firstId = imageId(image);
    remember();
    expect(firstId).toMatch(/^sha256:/);
    const labels = JSON.parse(docker(['image', 'inspect', '-f', '{{json .Config.Labels}}', image])) as Record<string, string>;
    expect(labels).toMatchObject({ 'com.docker.compose.project': name, 'com.docker.compose.service': 'web' });

    setVersion(1, 2);
    const second = await project.ok(['--progress', 'plain', 'build']);
    remember();
    const steps = plainSteps(second.stderr);
    const copyAll = steps.find((s) => s.instruction === 'COPY . .')!;
    expect(copyAll).toBeDefined();
    const before = steps.filter((s) => s.step < copyAll.step && !s.instruction.startsWith('FROM'));
    // Compose's labels, a step of their own right after FROM, are cached too.
    expect(before.map((s) => s.instruction.split(' ')[0])).toEqual(['LABEL', 'WORKDIR', 'COPY', 'RUN']);
    expect(before.every((s) => s.cached)).toBe(true);
    expect(copyAll.cached).toBe(false);
    expect(imageId(image)).not.toBe(firstId);

    // Nothing changed: everything is cached, same image.
    const third = await project.ok(['--progress', 'plain', 'build']);
    expect(plainSteps(third.stderr).filter((s) => !s.instruction.startsWith('FROM')).every((s) => s.cached)).toBe(true);
  });

  it('up runs the image, and recreates the container when a rebuild changed it', { timeout: 240_000 }, async () => {
    await project.ok(['up', '-d', '--wait']);
    const before = project.containers();
    expect(before).toHaveLength(1);
    expect((await answer()).version).toBe(2);
    expect((await answer()).message).toBe('built by the images suite');

    setVersion(2, 3);
    await project.ok(['--progress', 'plain', 'build', '-q']);
    remember();
    const plan = await project.ok(['plan']);
    expect(plan.stdout).toMatch(/image changed: sha256:[0-9a-f]+… → sha256:[0-9a-f]+…|image changed/);
    await project.ok(['up', '-d', '--wait']);
    const after = project.containers();
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before[0]!.id);
    expect((await answer()).version).toBe(3);
  });
});
