/**
 * Pulling into the embedded engine from the test registries (scripts/test-env.sh): anonymous pull of an image
 * pushed there by docker (same image id), NotFoundError for a missing tag, and Basic-auth challenges
 * (no or wrong credentials → AuthError; right ones get through to the registry's answer).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, NotFoundError } from '../../src/engine/errors.js';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import type { ProgressEvent } from '../../src/engine/types.js';

const BUSYBOX = process.env.FLOTILLA_TEST_BUSYBOX ?? 'flotilla-test/busybox:latest';
const REGISTRY = process.env.FLOTILLA_TEST_REGISTRY ?? '127.0.0.1:5000';
const AUTH_REGISTRY = process.env.FLOTILLA_TEST_AUTH_REGISTRY ?? '127.0.0.1:5001';

describe('embedded engine: registry pull', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-pull-'));
  const repo = `flotilla-test/emb-pull-${process.pid}`;
  const ref = `${REGISTRY}/${repo}:v1`;
  let engine: EmbeddedEngine;

  beforeAll(async () => {
    engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
    execFileSync('docker', ['tag', BUSYBOX, ref]);
    execFileSync('docker', ['push', ref], { stdio: 'ignore' });
  });

  afterAll(async () => {
    try {
      const accept = { Accept: 'application/vnd.docker.distribution.manifest.v2+json' };
      const head = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/v1`, { method: 'HEAD', headers: accept });
      const digest = head.headers.get('docker-content-digest');
      if (digest) await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers: accept });
    } catch {
      // the registry may refuse deletes; a leftover tag is harmless
    }
    execFileSync('docker', ['rmi', ref], { stdio: 'ignore' });
    await engine.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('pulls an image with progress, verified, under its tag and digest', async () => {
    const events: ProgressEvent[] = [];
    await engine.pullImage(ref, { onProgress: (e) => events.push(e) });
    const image = await engine.inspectImage(ref);
    const dockerId = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', BUSYBOX]).toString().trim();
    expect(image.id).toBe(dockerId);
    expect(image.config.cmd).toEqual(['sh']);
    const done = events.at(-1);
    expect(done?.kind).toBe('done');
    const digest = (done as { digest: string }).digest;
    expect(image.repoDigests).toContain(`${REGISTRY}/${repo}@${digest}`);
    expect(events.filter((e) => e.kind === 'layer').map((e) => e.status)).toContain('Pull complete');
    // By digest, and runnable.
    expect((await engine.inspectImage(`${REGISTRY}/${repo}@${digest}`)).id).toBe(dockerId);
    const { id } = await engine.createContainer({ name: 'pulled-run', image: ref, labels: {}, cmd: ['echo', 'pulled'] });
    await engine.startContainer(id);
    expect((await engine.waitContainer(id)).exitCode).toBe(0);
    await engine.removeContainer(id);
  });

  it('NotFoundError for a tag the registry does not have', async () => {
    const missing = `${REGISTRY}/${repo}-absent:v1`;
    const err = await engine.pullImage(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain(`${repo}-absent`);
  });

  it('answers Basic challenges: AuthError without or with wrong credentials', async () => {
    const target = `${AUTH_REGISTRY}/${repo}-auth:v1`;
    await expect(engine.pullImage(target)).rejects.toBeInstanceOf(AuthError);
    await expect(engine.pullImage(target, { auth: { username: 'flotilla', password: 'wrong' } })).rejects.toBeInstanceOf(AuthError);
    const good = await engine.pullImage(target, { auth: { username: 'flotilla', password: 'flotilla' } }).catch((e: unknown) => e);
    expect(good).toBeInstanceOf(NotFoundError);
  });
});
