/**
 * Starting a container's supervisor: a detached `node <supervisor>` in its own session with stdio away from
 * the CLI, so it outlives the command that started it. Run from dist/, the supervisor is the compiled
 * supervisor/main.js beside this module; run from sources (tests), it is bundled once with esbuild.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, openSync, closeSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../errors.js';
import { containerFiles } from '../state/paths.js';
import { readJson, writeJsonAtomic } from '../state/files.js';
import type { RuntimeState, SupervisorConfig } from './record.js';
import { watchDir } from '../state/dir-watch.js';
import { bundleOnce, shippedScript } from '../dev-bundle.js';
import { reportTiming, timingEnabled } from '../timing.js';

const here = dirname(fileURLToPath(import.meta.url));

async function bundleFromSources(source: string, cacheDir: string): Promise<string> {
  // Newest of the supervisor's own sources: a change to any of its modules makes a new bundle.
  const sources = dirname(source);
  const newest = Math.max(...readdirSync(sources).filter((n) => n.endsWith('.ts')).map((n) => statSync(join(sources, n)).mtimeMs));
  const stamp = Math.floor(newest).toString(36);
  return bundleOnce(source, join(cacheDir, `supervisor-${stamp}.mjs`));
}

/** The script to run with node: compiled JS when present, else a bundle of the TypeScript sources. */
export async function supervisorEntry(cacheDir: string): Promise<string> {
  const compiled = join(here, '..', 'supervisor', 'main.js');
  if (existsSync(compiled)) return compiled;
  const source = join(here, '..', 'supervisor', 'main.ts');
  if (existsSync(source)) return bundleFromSources(source, cacheDir);
  const shipped = shippedScript('engine', 'embedded', 'supervisor', 'main.js');
  if (shipped) return shipped;
  throw new EngineError(`the embedded engine's supervisor is missing (looked for ${compiled})`);
}

/** Launches the supervisor and waits until the container runs (or failed to). */
export async function launchSupervisor(
  entry: string,
  config: Omit<SupervisorConfig, 'launch'>,
  timeoutMs = 15_000,
): Promise<RuntimeState> {
  const files = containerFiles(config.dir);
  const launch = randomBytes(8).toString('hex');
  await writeJsonAtomic(join(config.dir, 'supervisor.json'), { ...config, launch });
  // Woken by the supervisor's state write rather than a poll interval (the poll stays as a fallback).
  const changes = watchDir(config.dir, ['state.json']);
  try {
    const began = performance.now();
    const logFd = openSync(files.supervisorLog, 'a');
    try {
      // No V8 flags (--max-semi-space-size, say): with any, node rejects its built-in code cache and boots ~15 ms later.
      const child = spawn(process.execPath, [entry, config.dir], {
        cwd: config.dir,
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: timingEnabled() ? { ...process.env, [SUPERVISOR_TIMINGS_ENV]: '1' } : process.env,
      });
      child.unref();
    } finally {
      closeSync(logFd);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await readJson<RuntimeState>(files.state).catch(() => undefined);
      if (state?.launch === launch && state.status !== 'created') {
        if (timingEnabled()) await reportSupervisorTimings(files.supervisorLog, performance.now() - began);
        return state;
      }
      if (Date.now() > deadline) {
        const log = await fs.readFile(files.supervisorLog, 'utf8').catch(() => '');
        throw new EngineError(`container ${config.name} did not start within ${timeoutMs} ms: ${log.trim().split('\n').slice(-3).join('; ')}`);
      }
      await changes.next(50);
    }
  } finally {
    changes.close();
  }
}

/** Environment variable asking the supervisor to log its phase timings (see timing.ts). */
export const SUPERVISOR_TIMINGS_ENV = 'FLOTILLA_SUPERVISOR_TIMINGS';

/** The supervisor's own phases, from the `timings {...}` line it logged (timings on only). */
async function reportSupervisorTimings(logPath: string, totalMs: number): Promise<void> {
  reportTiming('start.supervisor-launch', totalMs);
  const log = await fs.readFile(logPath, 'utf8').catch(() => '');
  const line = log.split('\n').reverse().find((l) => l.startsWith('timings '));
  if (!line) return;
  for (const [step, ms] of Object.entries(JSON.parse(line.slice('timings '.length)) as Record<string, number>)) reportTiming(`supervisor.${step}`, ms);
}
