/**
 * Compose's image labels on the Docker engine: carried by a LABEL instruction added right after the final stage's
 * FROM (see src/images/dockerfile.ts), so that a rebuild after a change finds that step cached, with the image
 * config the engine's `labels` parameter gives; `build.labels` still win over the Dockerfile's own labels.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/engine/docker/index.js';
import type { Engine } from '../../src/engine/types.js';
import { buildImages } from '../../src/images/build.js';
import { createBuildContext } from '../../src/images/context.js';
import type { ImageEvent } from '../../src/images/events.js';
import type { BuildConfig, Project } from '../../src/model/types.js';

const BUSYBOX = 'flotilla-test/busybox:latest';
const run = `flbl${process.pid.toString(36)}`;
const images = new Set<string>();
let engine: Engine;
let dir: string;

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function config(image: string): Record<string, unknown> {
  return JSON.parse(docker(['image', 'inspect', '-f', '{{json .Config}}', image])) as Record<string, unknown>;
}

function project(name: string, build: Partial<BuildConfig>): Project {
  return {
    name, working_dir: dir, compose_files: [join(dir, 'compose.yaml')], networks: {}, volumes: {}, secrets: {},
    configs: {}, disabled_services: {}, profiles: [], environment: {},
    services: { web: { name: 'web', environment: {}, build: { context: dir, ...build } } },
  };
}

async function build(p: Project): Promise<{ imageId: string; steps: Array<{ instruction: string; cached: boolean }> }> {
  const events: ImageEvent[] = [];
  const [built] = await buildImages(p, engine, { onEvent: (e) => events.push(e) });
  images.add(built!.imageId);
  images.add(built!.image);
  const steps = events.flatMap((e) => (e.type === 'step' ? [{ instruction: e.instruction, cached: e.cached }] : []));
  return { imageId: built!.imageId, steps };
}

beforeAll(() => {
  engine = createDockerEngine();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-build-labels-'));
});

afterAll(async () => {
  if (images.size > 0) execFileSync('docker', ['rmi', '-f', ...images], { stdio: 'ignore' });
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Compose labels on built images', () => {
  it('keeps the label step cached on a rebuild after a change, and the image has the labels', async () => {
    writeFileSync(join(dir, 'Dockerfile'), [
      '# escape=`',
      `FROM ${BUSYBOX} AS base`,
      'LABEL com.docker.compose.project=from-the-base team=base',
      'RUN echo base > /base',
      '',
      '# the final stage',
      'from base',
      'LABEL team=dockerfile `',
      '      tier=web',
      'COPY . /ctx/',
      'CMD ["cat", "/ctx/app.txt"]',
      '',
    ].join('\n'));
    // The Dockerfile is ignored: it must not reach the image, nor the generated one.
    writeFileSync(join(dir, '.dockerignore'), 'Dockerfile\n');
    writeFileSync(join(dir, 'app.txt'), 'one');
    const p = project(`${run}-a`, { labels: { team: 'compose' } });

    const first = await build(p);
    expect(first.steps.map((s) => s.instruction)).toContain(
      `LABEL "com.docker.compose.project"="${run}-a" "com.docker.compose.service"="web"`);
    const labels = config(`${run}-a-web`).Labels as Record<string, string>;
    // Ours over the base image's; the user's over the Dockerfile's; the Dockerfile's others kept.
    expect(labels).toMatchObject({ 'com.docker.compose.project': `${run}-a`, 'com.docker.compose.service': 'web', team: 'compose', tier: 'web' });
    expect(docker(['run', '--rm', `${run}-a-web`, 'ls', '-A', '/ctx']).split('\n').sort()).toEqual(['.dockerignore', 'app.txt']);

    writeFileSync(join(dir, 'app.txt'), 'two');
    const second = await build(p);
    expect(second.imageId).not.toBe(first.imageId);
    const label = second.steps.find((s) => s.instruction.includes('com.docker.compose.project'))!;
    expect(label.cached).toBe(true);
    expect(second.steps.find((s) => s.instruction === 'COPY . /ctx/')!.cached).toBe(false);
    expect(config(`${run}-a-web`).Labels).toEqual(labels);
    expect(docker(['run', '--rm', `${run}-a-web`])).toBe('two');
  });

  it('gives the image config the engine\'s labels parameter gives', async () => {
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${BUSYBOX}\nWORKDIR /srv\nENV MODE=test\nCOPY app.txt .\nEXPOSE 8080\nCMD ["cat", "app.txt"]\n`);
    writeFileSync(join(dir, '.dockerignore'), '');
    await build(project(`${run}-b`, {}));
    // The same build with the labels as the API parameter, as before.
    const context = await createBuildContext({ contextDir: dir });
    const tag = `${run}-b-api`;
    const { imageId } = await engine.buildImage(context.stream as Readable, {
      tags: [tag], dockerfile: context.dockerfile,
      labels: { 'com.docker.compose.project': `${run}-b`, 'com.docker.compose.service': 'web' },
    });
    images.add(imageId);
    images.add(tag);
    const strip = ({ Image: _image, Hostname: _hostname, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;
    expect(strip(config(`${run}-b-web`))).toEqual(strip(config(tag)));
  });

  it('labels the target stage, and falls back to the parameter when the final stage sets a label of ours', async () => {
    writeFileSync(join(dir, 'Dockerfile'), [
      `FROM ${BUSYBOX} AS tools`, 'RUN touch /tools',
      `FROM ${BUSYBOX}`, 'LABEL com.docker.compose.service=from-the-file', 'RUN touch /final', '',
    ].join('\n'));
    await build(project(`${run}-c`, { target: 'tools' }));
    expect(config(`${run}-c-web`).Labels).toMatchObject({ 'com.docker.compose.project': `${run}-c`, 'com.docker.compose.service': 'web' });

    const fallback = await build(project(`${run}-d`, {}));
    // The parameter's step comes last and wins over the file's LABEL.
    expect(fallback.steps.at(-1)!.instruction).toMatch(/^LABEL /);
    expect(config(`${run}-d-web`).Labels).toMatchObject({ 'com.docker.compose.project': `${run}-d`, 'com.docker.compose.service': 'web' });
  });
});
