/**
 * `build --push`, `push` and `pull` against the local registries: 127.0.0.1:5000 (open) and 127.0.0.1:5001 (basic
 * auth flotilla/flotilla), credentials read from a temporary DOCKER_CONFIG.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, TestProject, uniqueName } from './flotilla-harness.js';
import { BUSYBOX, deleteFromRegistry, imageId, removeImages } from './images-helpers.js';

const projects: TestProject[] = [];
const images: string[] = [];
const tags: Array<[string, string, string, string?]> = [];
const configDirs: string[] = [];

function project(image: string, extra = ''): TestProject {
  const p = new TestProject(uniqueName('fimg-reg'), [
    'services:',
    '  app:',
    `    image: ${image}`,
    '    build: .',
    '  cache:',
    `    image: ${BUSYBOX}`,
    extra,
    '',
  ].join('\n'));
  writeFileSync(join(p.dir, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN echo ${p.name} > /made-by\n`);
  projects.push(p);
  return p;
}

function dockerConfig(auths: Record<string, { auth: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fimg-docker-config-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
  configDirs.push(dir);
  return dir;
}

beforeAll(() => buildCli());
afterAll(async () => {
  for (const p of projects) await p.cleanup();
  removeImages(...images);
  for (const [registry, repo, tag, basic] of tags) await deleteFromRegistry(registry, repo, tag, basic);
  for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
});

describe('registries', () => {
  it('build --push, then pull brings the image back after it was removed', async () => {
    const repo = `flotilla-test/${uniqueName('push')}`;
    const image = `127.0.0.1:5000/${repo}:v1`;
    images.push(image);
    tags.push(['127.0.0.1:5000', repo, 'v1']);
    const p = project(image);
    const built = await p.ok(['--progress', 'plain', 'build', '--push']);
    expect(built.stderr).toMatch(new RegExp(`Image ${image.replace(/[.]/g, '\\.')}  Pushed`));
    const id = imageId(image);
    removeImages(image);
    expect(imageId(image)).toBeUndefined();

    const pulled = await p.ok(['--progress', 'plain', 'pull', 'app']);
    expect(pulled.stderr).toContain(`Image ${image}  Pulled`);
    expect(imageId(image)).toBe(id);

    // Present now: --policy missing leaves it alone; the service without pull_policy is pulled again.
    const again = await p.ok(['--progress', 'plain', 'pull', '--policy', 'missing', 'app']);
    expect(again.stderr).toContain(`Image ${image}  Skipped - present locally`);
  });

  it('push skips services it does not build, and a pull failure of a buildable service is only a warning', async () => {
    const repo = `flotilla-test/${uniqueName('nothere')}`;
    const image = `127.0.0.1:5000/${repo}:v1`;
    images.push(image);
    const p = project(image);
    const pulled = await p.ok(['--progress', 'plain', 'pull', 'app']);
    expect(pulled.stderr).toMatch(/WARN pull of 127\.0\.0\.1:5000\/.* failed/);
    const failed = await p.run(['--progress', 'plain', 'pull', '--ignore-buildable', 'app']);
    expect(failed.code).toBe(0);
    expect(failed.stderr).toContain('Skipped - buildable (--ignore-buildable)');
    // Not built yet, so nothing to push: an error, unless ignored.
    const push = await p.run(['--progress', 'plain', 'push']);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain(`push failed for ${image}`);
    expect(push.stderr).toContain(`Image ${BUSYBOX}  Skipped - not built by the project`);
    expect((await p.run(['--progress', 'plain', 'push', '--ignore-push-failures'])).code).toBe(0);
  });

  it('pushes and pulls with credentials from DOCKER_CONFIG; without them the registry refuses', async () => {
    const repo = `flotilla-test/${uniqueName('auth')}`;
    const image = `127.0.0.1:5001/${repo}:v1`;
    images.push(image);
    tags.push(['127.0.0.1:5001', repo, 'v1', 'flotilla:flotilla']);
    const p = project(image);
    await p.ok(['--progress', 'plain', 'build', '-q']);

    const none = dockerConfig({});
    const refused = await p.run(['--progress', 'plain', 'push'], { DOCKER_CONFIG: none });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').pop()).toMatch(/push failed for .*(no basic auth credentials|unauthorized|authentication required).*\(check the registry credentials/);

    const good = dockerConfig({ 'http://127.0.0.1:5001': { auth: Buffer.from('flotilla:flotilla').toString('base64') } });
    await p.ok(['--progress', 'plain', 'push', 'app'], { DOCKER_CONFIG: good });
    const id = imageId(image);
    removeImages(image);
    await p.ok(['--progress', 'plain', 'pull', 'app'], { DOCKER_CONFIG: good });
    expect(imageId(image)).toBe(id);
  });
});
