/**
 * Starting and stopping the detached helper processes (name servers, port proxies). Each runs as
 * `node <script> <config.json>` in its own session, so it outlives the command that started it; its config path
 * on the command line identifies it, so a recycled pid is never signalled by mistake. Run from dist/, the script
 * is the compiled file beside this module; run from sources (tests), it is bundled once with esbuild.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, promises as fs, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../errors.js';
import { readJson } from '../state/files.js';
import { bundleOnce, shippedScript } from '../dev-bundle.js';

const here = dirname(fileURLToPath(import.meta.url));

export type HelperName = 'dns-main' | 'proxy-main';

/** Newest modification time of this directory's sources: a bundle older than that is rebuilt. */
function sourcesStamp(): string {
  let newest = 0;
  for (const name of readdirSync(here)) if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(here, name)).mtimeMs);
  return Math.floor(newest).toString(36);
}

export async function helperScript(name: HelperName, cacheDir: string): Promise<string> {
  const compiled = join(here, `${name}.js`);
  if (existsSync(compiled)) return compiled;
  const source = join(here, `${name}.ts`);
  const shipped = existsSync(source) ? undefined : shippedScript('engine', 'embedded', 'net', `${name}.js`);
  if (shipped) return shipped;
  if (!existsSync(source)) throw new EngineError(`networking helper ${name} is missing (looked for ${compiled})`);
  return bundleOnce(source, join(cacheDir, `${name}-${sourcesStamp()}.mjs`));
}

export interface HelperStatus {
  pid: number;
  ok: boolean;
}

/**
 * Starts a helper and waits for its status file: it writes one once it holds its sockets (ok) or failed to get
 * them (then it has already exited). A helper that dies without a word is reported with its log.
 */
export async function startHelper<S extends HelperStatus>(options: {
  script: string;
  configPath: string;
  statusPath: string;
  logPath: string;
  timeoutMs?: number;
}): Promise<S> {
  await fs.rm(options.statusPath, { force: true });
  const logFd = openSync(options.logPath, 'a');
  let exited: number | null | undefined;
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [options.script, options.configPath], { detached: true, stdio: ['ignore', logFd, logFd] });
    pid = child.pid;
    child.on('exit', (code) => (exited = code));
    child.unref();
  } finally {
    closeSync(logFd);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const status = await readJson<S>(options.statusPath).catch(() => undefined);
    if (status && status.pid === pid) return status;
    if (exited !== undefined || Date.now() > deadline) {
      if (pid && exited === undefined) process.kill(pid, 'SIGKILL');
      const log = await fs.readFile(options.logPath, 'utf8').catch(() => '');
      throw new EngineError(`networking helper ${options.script} did not start: ${log.trim().split('\n').slice(-3).join('; ') || `exit ${exited ?? 'timeout'}`}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** True when pid is alive and is the helper started with this config. */
export function helperAlive(pid: number | undefined, configPath: string): boolean {
  return !!pid && cmdline(pid).includes(configPath);
}

/** Every live helper whose command line mentions `marker` (a data root's run directory). */
export function findHelpers(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const line = cmdline(Number(entry));
    if (line.includes(marker) && /(dns|proxy)-main/.test(line)) pids.push(Number(entry));
  }
  return pids;
}

/** SIGTERM, then SIGKILL after timeoutMs; resolves once the process is gone. Only a verified helper is signalled. */
export async function stopHelper(pid: number | undefined, configPath: string, timeoutMs = 2000): Promise<void> {
  if (!pid || !helperAlive(pid, configPath)) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (helperAlive(pid, configPath)) {
    if (Date.now() > deadline) {
      signal('SIGKILL');
      await new Promise((r) => setTimeout(r, 20));
      if (Date.now() > deadline + 2000) break;
      continue;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
