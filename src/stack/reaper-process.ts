/**
 * The detached watcher of one ephemeral stack (started by ./reaper.ts, `node reaper-process.js '<config json>'`).
 * It says `watching` on stdout, then waits for one of:
 * - `release` on stdin: the stack was downed normally; exit without touching anything;
 * - stdin closing without `release`, or the owner pid gone (checked every `pollMs`): the owner died; remove every
 *   container, network and volume with the project's label, then exit.
 * It loads the engine code only when it has to reap, so that an idle watcher costs little.
 */
import { rm } from 'node:fs/promises';
import { isProcessAlive } from './process-alive.js';
import type { ReaperConfig } from './reaper.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ReaperConfig;
let state: 'watching' | 'released' | 'reaping' = 'watching';

function release(): void {
  if (state !== 'watching') return;
  state = 'released';
  process.exit(0);
}

async function reap(): Promise<void> {
  if (state !== 'watching') return;
  state = 'reaping';
  clearInterval(poll);
  const { createEngine } = await import('../engine/select.js');
  const { removeProjectResources } = await import('./reaper.js');
  const engine = await createEngine({
    engine: config.engine,
    ...(config.dockerHost ? { dockerHost: config.dockerHost } : {}),
    ...(config.dataRoot ? { embedded: { dataRoot: config.dataRoot } } : {}),
  });
  // A second pass catches what an `up` still in flight in the dying owner's engine calls created after the first.
  for (let pass = 0; pass < 3; pass++) {
    try {
      const removed = await removeProjectResources(engine, config.project);
      if (pass > 0 && removed.containers.length + removed.networks.length + removed.volumes.length === 0) break;
    } catch {
      // the engine may be busy removing the same things; try again
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await engine.close().catch(() => undefined);
  if (config.cleanupDir) await rm(config.cleanupDir, { recursive: true, force: true }).catch(() => undefined);
  process.exit(0);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (data: string) => {
  input += data;
  if (input.includes('release\n')) release();
});
process.stdin.on('end', () => void reap());
process.stdin.on('error', () => void reap());
const poll = setInterval(() => {
  if (!isProcessAlive(config.ownerPid)) void reap();
}, config.pollMs || 500);
// Nobody reads stdout after the handshake; a closed pipe must not kill the watcher.
process.stdout.on('error', () => undefined);
process.on('SIGPIPE', () => undefined);
process.on('SIGHUP', () => undefined);
process.stdout.write('watching\n');
