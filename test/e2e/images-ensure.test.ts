/**
 * ensureImages (what `up` runs before reconciling) against the real engine: builds what only a build can make,
 * leaves present images alone, pulls under the time-based policies once the recorded pull is old enough, and
 * builds a buildable service whose pull fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerEngine } from '../../src/engine/docker/index.js';
import type { Engine } from '../../src/engine/types.js';
import type { ImageEvent } from '../../src/images/events.js';
import { ensureImages } from '../../src/images/ensure.js';
import { ImageUnavailableError } from '../../src/images/errors.js';
import { loadProject } from '../../src/model/load.js';
import { uniqueName } from './flotilla-harness.js';
import { BUSYBOX, deleteFromRegistry, removeImages } from './images-helpers.js';

const REGISTRY = '127.0.0.1:5000';
const name = uniqueName('fimg-ensure');
const repo = `flotilla-test/${name}-cache`;
const pushed = `${REGISTRY}/${repo}:v1`;
let dir: string;
let engine: Engine;

async function load(compose: string) {
  writeFileSync(join(dir, 'compose.yaml'), compose);
  return loadProject({ projectName: name, cwd: dir, env: {} });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${name}-`));
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN echo ensured > /ensured\n`);
  engine = createDockerEngine();
  // A tag in the open registry for the pull policies to pull.
  await engine.tagImage(BUSYBOX, pushed);
  await engine.pushImage(pushed);
  await engine.removeImage(pushed);
});

afterAll(async () => {
  removeImages(`${name}-app`, pushed, `${REGISTRY}/${repo}-absent:v1`);
  await deleteFromRegistry(REGISTRY, repo, 'v1');
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureImages', () => {
  it('builds a missing build-only image, then finds it present', async () => {
    const project = await load(`services:\n  app:\n    build: .\n  base:\n    image: ${BUSYBOX}\n`);
    const events: ImageEvent[] = [];
    const first = await ensureImages(project, engine, { onEvent: (e) => events.push(e) });
    expect(first.images.app).toMatchObject({ image: `${name}-app`, source: 'built', reason: 'missing locally' });
    expect(first.images.base).toMatchObject({ image: BUSYBOX, source: 'present' });
    expect(first.built.map((b) => b.service)).toEqual(['app']);
    expect(events.some((e) => e.type === 'step' && e.instruction.startsWith('RUN'))).toBe(true);

    const second = await ensureImages(project, engine);
    expect(second.images.app).toMatchObject({ source: 'present', id: first.images.app!.id });
    expect(second.built).toEqual([]);

    const forced = await ensureImages(project, engine, { build: true });
    expect(forced.images.app).toMatchObject({ source: 'built', reason: 'build requested', id: first.images.app!.id });
  });

  it('refuses before changing anything when an image can be neither pulled nor built', async () => {
    const project = await load(`services:\n  app:\n    build: .\n    image: ${name}-nothing:v9\n    pull_policy: never\n  other:\n    image: ${name}-absent:v1\n    pull_policy: never\n`);
    await expect(ensureImages(project, engine, { build: false })).rejects.toBeInstanceOf(ImageUnavailableError);
  });

  it('pulls under every_1h when the last pull is unknown or old, not in between', async () => {
    const project = await load(`services:\n  cache:\n    image: ${pushed}\n    pull_policy: every_1h\n`);
    const stateFile = join(dir, 'pulls.json');
    const start = Date.now();
    const missing = await ensureImages(project, engine, { pullStateFile: stateFile, now: () => start });
    expect(missing.pulled).toEqual([pushed]);
    expect(missing.images.cache!.reason).toBe('missing locally');
    const recent = await ensureImages(project, engine, { pullStateFile: stateFile, now: () => start + 30 * 60_000 });
    expect(recent.pulled).toEqual([]);
    const later = await ensureImages(project, engine, { pullStateFile: stateFile, now: () => start + 2 * 3_600_000 });
    expect(later.pulled).toEqual([pushed]);
    expect(later.images.cache!.reason).toMatch(/^last pulled 1h ago|^last pulled 2h ago/);
    // A record for another image id than the one now behind the tag does not count.
    const unknown = await ensureImages(project, engine, { pullStateFile: join(dir, 'other.json'), now: () => start });
    expect(unknown.images.cache!.reason).toBe('last pull unknown');
  });

  it('builds a buildable service whose pull fails, with a warning', async () => {
    const absent = `${REGISTRY}/${repo}-absent:v1`;
    const project = await load(`services:\n  app:\n    image: ${absent}\n    build: .\n`);
    const result = await ensureImages(project, engine);
    expect(result.images.app).toMatchObject({ source: 'built', reason: 'pull failed' });
    expect(result.warnings[0]).toMatch(/pull of 127\.0\.0\.1:5000\/.*-absent:v1 failed .*building it instead/);
  });
});
