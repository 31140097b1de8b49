/**
 * Healthchecks run by the supervisor: the test is executed in the container with `runc exec` on an interval;
 * the status goes starting → healthy/unhealthy after `retries` consecutive failures (failures during the start
 * period do not count, a success ends it). The result is health.json, replaced atomically.
 */
import { spawn } from 'node:child_process';
import type { HealthcheckSpec, HealthLogEntry } from '../../types.js';
import type { HealthState } from '../containers/record.js';
import { writeJsonAtomicSync } from '../state/files.js';

const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 };
const MAX_OUTPUT = 4096;
const KEEP_LOG = 5;

export function healthTestArgs(test: string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  return undefined; // NONE or empty: disabled
}

export interface HealthRunner {
  stop(): void;
}

export function startHealthchecks(options: {
  spec: HealthcheckSpec;
  runtime: string;
  runtimeArgs: string[];
  id: string;
  healthFile: string;
  onChange: (status: HealthState['status']) => void;
}): HealthRunner | undefined {
  const args = healthTestArgs(options.spec.test);
  if (!args || args.length === 0) return undefined;
  const cfg = {
    intervalMs: options.spec.intervalMs || DEFAULTS.intervalMs,
    timeoutMs: options.spec.timeoutMs || DEFAULTS.timeoutMs,
    retries: options.spec.retries || DEFAULTS.retries,
    startPeriodMs: options.spec.startPeriodMs ?? DEFAULTS.startPeriodMs,
    startIntervalMs: options.spec.startIntervalMs || DEFAULTS.startIntervalMs,
  };
  const state: HealthState = { status: 'starting', failingStreak: 0, log: [] };
  const startedAt = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  writeJsonAtomicSync(options.healthFile, state);

  const probe = (): Promise<HealthLogEntry> =>
    new Promise((resolve) => {
      const start = new Date();
      const child = spawn(options.runtime, [...options.runtimeArgs, 'exec', options.id, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const collect = (d: Buffer) => {
        if (output.length < MAX_OUTPUT) output += d.toString('utf8');
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      let timedOut = false;
      const killer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM'); // runc forwards it to the probe process
        setTimeout(() => child.kill('SIGKILL'), 1000).unref();
      }, cfg.timeoutMs);
      child.on('error', () => undefined);
      child.on('close', (code) => {
        clearTimeout(killer);
        resolve({
          start: start.toISOString(),
          end: new Date().toISOString(),
          exitCode: timedOut ? -1 : (code ?? -1),
          output: timedOut ? `Health check exceeded timeout (${cfg.timeoutMs}ms)` : output.slice(0, MAX_OUTPUT),
        });
      });
    });

  const schedule = () => {
    if (stopped) return;
    const inStartPeriod = Date.now() - startedAt < cfg.startPeriodMs;
    const delay = inStartPeriod && state.status === 'starting' ? cfg.startIntervalMs : cfg.intervalMs;
    timer = setTimeout(run, delay);
  };

  const run = async () => {
    if (stopped) return;
    const entry = await probe();
    if (stopped) return;
    const before = state.status;
    const inStartPeriod = Date.now() - startedAt < cfg.startPeriodMs;
    if (entry.exitCode === 0) {
      state.status = 'healthy';
      state.failingStreak = 0;
    } else if (!inStartPeriod || state.status !== 'starting') {
      state.failingStreak++;
      if (state.failingStreak >= cfg.retries) state.status = 'unhealthy';
    }
    state.log = [...state.log, entry].slice(-KEEP_LOG);
    writeJsonAtomicSync(options.healthFile, state);
    if (state.status !== before) options.onChange(state.status);
    schedule();
  };

  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
