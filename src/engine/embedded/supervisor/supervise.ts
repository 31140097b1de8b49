/**
 * The per-container supervisor: a detached process (own session, parent gone) that runs `runc run` in the
 * foreground — so it, not PID 1, collects the container's exit status — logs its output, records its state,
 * applies the restart policy with back-off and runs healthchecks. It exits when the container ends for good.
 * Started through ./main.ts, which has already started the first run.
 */
import { spawn } from 'node:child_process';
import { constants, createReadStream, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { containerFiles } from '../state/paths.js';
import { readJsonSync, writeJsonAtomicSync } from '../state/files.js';
import { appendEvent } from '../state/journal.js';
import type { RuntimeState, SupervisorConfig } from '../containers/record.js';
import { LogWriter } from './log-writer.js';
import { startHealthchecks } from './health.js';
import { startRuntime, type RuntimeRun } from './runtime-run.js';
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
/** A run at least this long resets the back-off, as Docker does. */
const STABLE_RUN_MS = 10_000;

/** Phase timings (ms since this process began), logged for the engine when it asks (see ../timing.ts). */
const marks: Record<string, number> = {};
const timingsWanted = process.env.FLOTILLA_SUPERVISOR_TIMINGS === '1';

// Set once by supervise(), before anything else runs.
let dir!: string;
let files!: ReturnType<typeof containerFiles>;
let config!: SupervisorConfig;
let runtimeArgs!: string[];
let log!: LogWriter;
let state!: RuntimeState;

function init(containerDir: string, supervisorConfig: SupervisorConfig): void {
  dir = containerDir;
  files = containerFiles(dir);
  config = supervisorConfig;
  runtimeArgs = ['--root', config.runtimeRoot];
  log = new LogWriter(files.log);
  state = {
    ...(readJsonSync<RuntimeState>(files.state) ?? {
      status: 'created', pid: 0, startedAt: '', finishedAt: '', exitCode: 0, restartCount: 0, exits: 0, oomKilled: false,
    }),
    restartCount: config.previous.restartCount,
    exits: config.previous.exits,
    launch: config.launch,
    supervisorPid: process.pid,
    error: undefined,
  };
}

function save(patch: Partial<RuntimeState>): void {
  state = { ...state, ...patch };
  writeJsonAtomicSync(files.state, state);
}

function event(action: string, extra: Record<string, string> = {}): void {
  appendEvent(config.journal, {
    type: 'container',
    action,
    id: config.id,
    attributes: { ...config.labels, name: config.name, image: config.image, ...extra },
  });
}

const stopRequested = () => existsSync(files.stopRequested);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * runc writes the pid file while the container's init is still runc's own `init` stage; the container counts
 * as running once that process has exec'd the container's command (so an exec right after start finds it).
 */
function stillRuntimeInit(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === 'init';
  } catch {
    return false; // already gone: it ran and exited
  }
}

/** Waits for runc to write the container's pid (or for runc to exit first). */
async function waitForPid(exited: () => boolean): Promise<number> {
  let seen = 0;
  for (;;) {
    try {
      const pid = Number.parseInt(readFileSync(files.containerPid, 'utf8').trim(), 10);
      seen ||= pid > 0 ? Date.now() : 0;
      if (pid > 0) marks.pidFile ??= performance.now();
      // (A command whose own first argument is "init" would look the same: stop looking after a second.)
      if (pid > 0 && (!stillRuntimeInit(pid) || Date.now() - seen > 1000)) return pid;
    } catch {
      // not yet
    }
    if (exited()) return 0;
    // runc gets from create to start in tens of ms: a short interval is what readiness latency is made of.
    await sleep(1);
  }
}

/**
 * The container's stdin comes from the stdin fifo. Normally the fifo is held open read-write, so it never
 * reports EOF between attached clients; with stdinOnce it is opened read-only, so the first client closing its
 * end closes the container's stdin (the open waits in the thread pool until that client comes).
 */
function openStdin(): Readable | undefined {
  if (!config.stdinOpen) return undefined;
  if (config.stdinOnce) return createReadStream(files.stdinFifo);
  const fd = openSync(files.stdinFifo, constants.O_RDWR | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/** One run of the container: `first` when the entry already started it, else a new `runc run`. */
function runOnce(first?: RuntimeRun): Promise<number> {
  const run = first ?? startRuntime(config, dir);
  const child = run.child;
  const stdin = openStdin();
  if (stdin && child.stdin) {
    stdin.pipe(child.stdin, { end: config.stdinOnce });
    stdin.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
  }
  const outputs = Promise.all([log.follow(child.stdout!, 'stdout'), log.follow(child.stderr!, 'stderr')]);
  const exit = run.exit.then((code) => {
    const failure = run.failure();
    if (failure) save({ error: failure });
    return code;
  });
  marks.runtimeSpawned ??= run.spawnedAt;
  return (async () => {
    const pid = await waitForPid(run.done);
    if (pid > 0 && timingsWanted && marks.running === undefined) {
      marks.running = performance.now();
      const m = marks as Record<'boot' | 'runtimeSpawned' | 'loaded' | 'pidFile' | 'running', number>;
      const phases = {
        boot: m.boot,
        prepare: m.runtimeSpawned - m.boot,
        loadOverlapped: m.loaded - m.runtimeSpawned,
        runtimeCreate: m.pidFile - m.runtimeSpawned,
        runtimeStart: m.running - m.pidFile,
      };
      process.stderr.write(`timings ${JSON.stringify(phases)}\n`);
    }
    // The first health state is written before `running`, so nobody sees a running container without its health.
    const health = pid > 0 && config.healthcheck
      ? startHealthchecks({
          spec: config.healthcheck,
          runtime: config.runtime,
          runtimeArgs,
          id: config.id,
          healthFile: files.health,
          onChange: (status) => event(`health_status: ${status}`),
        })
      : undefined;
    if (pid > 0) {
      save({ status: 'running', pid, startedAt: new Date().toISOString(), error: undefined });
      event('start');
    }
    const code = await exit;
    stdin?.destroy();
    health?.stop();
    await outputs;
    if (pid === 0 && !state.error) {
      const stderr = readRecentStderr();
      save({ error: stderr || `runtime exited with code ${code} before starting the container` });
    }
    return code;
  })();
}

/** The container's last stderr lines, to explain a failed start (runc reports its errors there). */
function readRecentStderr(): string {
  try {
    const lines = readFileSync(files.log, 'utf8').trim().split('\n').slice(-3);
    return lines
      .map((l) => (JSON.parse(l) as { stream: string; text: string }))
      .filter((l) => l.stream === 'stderr')
      .map((l) => l.text.trim())
      .join('; ');
  } catch {
    return '';
  }
}

function shouldRestart(code: number): boolean {
  if (stopRequested()) return false;
  const policy = config.restartPolicy;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return code !== 0 && (!policy.maximumRetryCount || state.restartCount < policy.maximumRetryCount);
    default:
      return false;
  }
}

/** Stops the container's port proxy (verified by its command line, so a recycled pid is never signalled). */
async function stopPortProxy(): Promise<void> {
  const proxy = config.portProxy;
  if (!proxy) return;
  const pid = readJsonSync<{ pid?: number }>(proxy.statusPath)?.pid;
  const isProxy = () => {
    try {
      return !!pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(proxy.configPath);
    } catch {
      return false;
    }
  };
  if (!isProxy()) return;
  process.kill(pid!, 'SIGTERM');
  for (let i = 0; i < 200 && isProxy(); i++) await sleep(10);
  if (isProxy()) process.kill(pid!, 'SIGKILL');
}

async function main(first: RuntimeRun): Promise<void> {
  writeFileSync(files.supervisorPid, `${process.pid}\n`);
  // The engine stops a container through runc; a TERM sent to us is treated as a stop request too.
  process.on('SIGTERM', () => {
    writeFileSync(files.stopRequested, '');
    spawn(config.runtime, [...runtimeArgs, 'kill', config.id, 'SIGTERM'], { stdio: 'ignore' });
  });
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  let backoff = MIN_BACKOFF_MS;
  let pending: RuntimeRun | undefined = first;
  for (;;) {
    const began = Date.now();
    const code = await runOnce(pending);
    pending = undefined;
    // `runc run` removes its container on exit; this clears what a runtime crash may have left behind, before
    // a restart reuses the id.
    if (existsSync(join(config.runtimeRoot, config.id))) {
      await new Promise((r) => spawn(config.runtime, [...runtimeArgs, 'delete', '--force', config.id], { stdio: 'ignore' }).on('close', r).on('error', r));
    }
    const finishedAt = new Date().toISOString();
    const restart = shouldRestart(code);
    // Before the exit is recorded: whoever waits for it (a stop, then a start) must not race this.
    if (!restart) await stopPortProxy();
    save({ status: restart ? 'restarting' : 'exited', pid: 0, exitCode: code, finishedAt, exits: state.exits + 1 });
    event('die', { exitCode: String(code) });
    if (!restart) break;
    if (Date.now() - began >= STABLE_RUN_MS) backoff = MIN_BACKOFF_MS;
    const until = Date.now() + backoff;
    while (Date.now() < until && !stopRequested()) await sleep(Math.min(50, until - Date.now()));
    if (stopRequested()) {
      save({ status: 'exited' });
      break;
    }
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    save({ restartCount: state.restartCount + 1 });
    event('restart');
  }
  log.close();
  rmSync(files.supervisorPid, { force: true });
  process.exit(0);
}

/** Supervises the container in `containerDir` from its first run on (already started by the entry). */
export function supervise(containerDir: string, supervisorConfig: SupervisorConfig, first: RuntimeRun, bootMs: number): void {
  marks.boot = bootMs;
  marks.loaded = performance.now();
  init(containerDir, supervisorConfig);
  main(first).catch((err: unknown) => {
    save({ status: 'dead', pid: 0, error: `supervisor failed: ${(err as Error).message}` });
    process.exit(1);
  });
}
