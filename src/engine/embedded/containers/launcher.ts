/**
 * Starting a container's supervisor: a detached `node <supervisor>` in its own session with stdio away from
 * the CLI, so it outlives the command that started it. Run from dist/, the supervisor is the compiled
 * supervisor/main.js beside this module; run from sources (tests), it is bundled once with esbuild.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, openSync, closeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../errors.js';
import { containerFiles } from '../state/paths.js';
import { readJson, writeJsonAtomic } from '../state/files.js';
import type { RuntimeState, SupervisorConfig } from './record.js';

const here = dirname(fileURLToPath(import.meta.url));

async function bundleFromSources(source: string, cacheDir: string): Promise<string> {
  const stamp = statSync(source).mtimeMs.toString(36);
  const out = join(cacheDir, `supervisor-${stamp}.mjs`);
  if (existsSync(out)) return out;
  const moduleName = 'esbuild'; // a dev-only tool: never loaded when running from dist/
  const esbuild = (await import(moduleName)) as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await esbuild.build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: tmp, logLevel: 'silent' });
  await fs.rename(tmp, out);
  return out;
}

/** The script to run with node: compiled JS when present, else a bundle of the TypeScript sources. */
export async function supervisorEntry(cacheDir: string): Promise<string> {
  const compiled = join(here, '..', 'supervisor', 'main.js');
  if (existsSync(compiled)) return compiled;
  const source = join(here, '..', 'supervisor', 'main.ts');
  if (existsSync(source)) return bundleFromSources(source, cacheDir);
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
  const logFd = openSync(files.supervisorLog, 'a');
  try {
    const child = spawn(process.execPath, [entry, config.dir], {
      cwd: config.dir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readJson<RuntimeState>(files.state).catch(() => undefined);
    if (state?.launch === launch && state.status !== 'created') return state;
    if (Date.now() > deadline) {
      const log = await fs.readFile(files.supervisorLog, 'utf8').catch(() => '');
      throw new EngineError(`container ${config.name} did not start within ${timeoutMs} ms: ${log.trim().split('\n').slice(-3).join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
