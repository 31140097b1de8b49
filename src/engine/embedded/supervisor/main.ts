/**
 * Entry of the per-container supervisor (the supervisor itself is ./supervise.ts). It starts the container's
 * first `runc run` before loading the rest, so that loading overlaps the runtime's own start-up.
 * Usage: node main.js <container dir>   (reads supervisor.json there)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SupervisorConfig } from '../containers/record.js';
import { startRuntime } from './runtime-run.js';

const boot = performance.now();
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: supervisor <container dir>\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(join(dir, 'supervisor.json'), 'utf8')) as SupervisorConfig;
const first = startRuntime(config, dir);
const { supervise } = await import('./supervise.js');
supervise(dir, config, first, boot);
