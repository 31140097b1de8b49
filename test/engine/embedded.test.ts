/**
 * The engine contract on the embedded engine, with a temporary data root preloaded with the test busybox image
 * (from the test image cache, else from the local docker). Needs root, runc and overlayfs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import { BUSYBOX, defineEngineContract } from './contract.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-contract-'));
let engine: EmbeddedEngine | undefined;

function busyboxArchive(): string {
  const cache = process.env.FLOTILLA_TEST_IMAGE_CACHE ?? '/var/cache/flotilla-images';
  const cached = join(cache, `${BUSYBOX.replace(/\//g, '_').replace(':', '_')}.tar`);
  if (existsSync(cached)) return cached;
  const out = join(scratch, 'busybox.tar');
  execFileSync('docker', ['save', BUSYBOX, '-o', out]);
  return out;
}

defineEngineContract(
  'embedded',
  async () => {
    engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
    await engine.loadImageArchive(busyboxArchive());
    return engine;
  },
  {
    skipBuild: 'the embedded engine cannot build images yet',
    skipPush: 'the embedded engine cannot push to registries yet',
  },
);

afterAll(async () => {
  if (engine) {
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true, volumes: true }).catch(() => undefined);
    await engine.close();
    // Nothing of this data root may stay on the host: the contract removed its networks, this checks the rest.
    await engine.net.cleanupAll();
  }
  rmSync(scratch, { recursive: true, force: true });
});
