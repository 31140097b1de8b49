/**
 * The engine contract on the embedded engine, with a temporary data root preloaded with the test busybox image
 * (from the test image cache, else from the local docker). Needs root, runc and overlayfs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import { defineEngineContract } from './contract.js';
import { busyboxArchive } from './busybox-archive.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-contract-'));
let engine: EmbeddedEngine | undefined;

defineEngineContract(
  'embedded',
  async () => {
    engine = await createEmbeddedEngine({ dataRoot: join(scratch, 'data') });
    await engine.loadImageArchive(busyboxArchive(scratch));
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
