/**
 * `flotilla build` against the real engine: what the context sends (.dockerignore with exceptions), build args,
 * target stages, dockerfile_inline, and failures: a failing RUN (exit code, step, last lines, no image) and
 * attributes the classic builder cannot honour (refused before anything is built).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, TestProject, uniqueName } from './flotilla-harness.js';
import { BUSYBOX, imageId, removeImages, runIn } from './images-helpers.js';

const projects: TestProject[] = [];
const images: string[] = [];

function newProject(compose: string, files: Record<string, string>): TestProject {
  const project = new TestProject(uniqueName('fimg-build'), compose);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(project.dir, path, '..'), { recursive: true });
    writeFileSync(join(project.dir, path), content);
  }
  projects.push(project);
  return project;
}

beforeAll(() => buildCli());
afterAll(async () => {
  for (const p of projects) await p.cleanup();
  removeImages(...images);
});

describe('build', () => {
  it('sends the context through .dockerignore: excluded files are absent, ! exceptions present', async () => {
    const project = newProject('services:\n  app:\n    build: .\n', {
      Dockerfile: `FROM ${BUSYBOX}\nCOPY . /ctx/\n`,
      '.dockerignore': '*.log\n!important.log\nsecrets/\ndocs/**\n!docs/keep/**\n',
      'app.txt': 'app', 'debug.log': 'x', 'important.log': 'keep me', 'secrets/key.pem': 'x',
      'docs/drop.md': 'x', 'docs/keep/kept.md': 'kept', 'sub/nested.log': 'deeper logs are not matched by *.log',
    });
    const image = `${project.name}-app`;
    images.push(image);
    await project.ok(['--progress', 'plain', 'build']);
    const files = runIn(image, ['find', '/ctx', '-type', 'f']).split('\n').map((f) => f.replace('/ctx/', '')).sort();
    expect(files).toEqual(['.dockerignore', 'Dockerfile', 'app.txt', 'compose.yaml', 'docs/keep/kept.md', 'important.log', 'sub/nested.log']);
    expect(runIn(image, ['cat', '/ctx/important.log'])).toBe('keep me');
  });

  it('passes build args from the file, the environment and --build-arg, and builds the target stage', async () => {
    const project = newProject([
      'services:',
      '  app:',
      '    build:',
      '      context: .',
      '      target: base',
      '      args:',
      '        GREETING: from-file',
      '        FROM_ENV:',
      '        OVERRIDDEN: file',
      '',
    ].join('\n'), {
      Dockerfile: [
        `FROM ${BUSYBOX} AS base`,
        'ARG GREETING=default',
        'ARG FROM_ENV=unset',
        'ARG OVERRIDDEN',
        'RUN echo "$GREETING $FROM_ENV $OVERRIDDEN" > /args',
        'FROM base AS final',
        'RUN touch /final-stage',
        '',
      ].join('\n'),
    });
    const image = `${project.name}-app`;
    images.push(image);
    await project.ok(['--progress', 'plain', 'build', '--build-arg', 'OVERRIDDEN=cli'], { FROM_ENV: 'env-value' });
    expect(runIn(image, ['cat', '/args'])).toBe('from-file env-value cli');
    expect(runIn(image, ['sh', '-c', 'test -e /final-stage && echo present || echo absent'])).toBe('absent');
  });

  it('builds from dockerfile_inline, keeping the injected Dockerfile out of the image', async () => {
    const project = newProject([
      'services:',
      '  app:',
      '    image: ${IMAGE}',
      '    build:',
      '      context: .',
      '      dockerfile_inline: |',
      `        FROM ${BUSYBOX}`,
      '        COPY . /ctx/',
      '',
    ].join('\n'), { 'data.txt': 'inline' });
    const image = `flotilla-test/${project.name}:inline`;
    images.push(image);
    await project.ok(['--progress', 'plain', 'build'], { IMAGE: image });
    const files = runIn(image, ['ls', '-A', '/ctx']).split('\n').sort();
    expect(files).toEqual(['compose.yaml', 'data.txt']);
  });

  it('a failing RUN exits non-zero naming the step, its exit code and its last lines, and tags nothing', async () => {
    const project = newProject('services:\n  app:\n    build: .\n', {
      // Compose's labels are a step of their own right after FROM, hence step 4 of 5.
      Dockerfile: `FROM ${BUSYBOX}\nRUN echo preparing\nRUN echo first-line && echo last-words-before-failure && exit 3\nRUN echo never\n`,
    });
    images.push(`${project.name}-app`);
    for (const progress of ['plain', 'json', 'quiet']) {
      const result = await project.run(['--progress', progress, 'build']);
      expect(result.code).not.toBe(0);
      const lastLine = result.stderr.trim().split('\n').pop()!;
      expect(lastLine).toMatch(/service "app" failed to build at step 4\/5 \(RUN echo first-line && echo last-words-before-failure && exit 3\)/);
      expect(lastLine).toMatch(/returned a non-zero code: 3/);
      if (progress !== 'json') expect(result.stderr).toMatch(/last output of step 4\/5 [^\n]*\n {2}> first-line\n {2}> last-words-before-failure/);
      if (progress === 'json') {
        const failed = result.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((e) => e.type === 'failed');
        expect(failed).toMatchObject({ step: 4, lastLines: ['first-line', 'last-words-before-failure'] });
      }
    }
    expect(imageId(`${project.name}-app`)).toBeUndefined();
  });

  it('refuses build attributes the engine cannot honour, before building anything', async () => {
    const project = newProject([
      'services:',
      '  fine:',
      '    build: .',
      '  secretive:',
      '    build:',
      '      context: .',
      '      secrets: [token]',
      '      ssh: [default]',
      'secrets:',
      '  token:',
      '    environment: HOME',
      '',
    ].join('\n'), { Dockerfile: `FROM ${BUSYBOX}\nRUN echo hi\n` });
    images.push(`${project.name}-fine`, `${project.name}-secretive`);
    const result = await project.run(['--progress', 'plain', 'build']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/service "secretive": build\.secrets, build\.ssh are not supported by this engine/);
    expect(imageId(`${project.name}-fine`)).toBeUndefined();
  });

  it('a git context that cannot be reached says git contexts are not supported offline', async () => {
    const project = newProject('services:\n  app:\n    build: https://git.invalid/nobody/nothing.git#main\n', {});
    const result = await project.run(['--progress', 'plain', 'build']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/git contexts are not supported offline: cannot fetch https:\/\/git\.invalid\/nobody\/nothing\.git \(main\)/);
  });
});
