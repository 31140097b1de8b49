/**
 * One foreground `runc run` of the container, with its exit (or spawn failure) captured from the first moment:
 * the supervisor's entry starts the first run before the rest of the supervisor has loaded, and nothing of it
 * may be missed meanwhile (stdout/stderr wait, unread, in their streams).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SupervisorConfig } from '../containers/record.js';

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export interface RuntimeRun {
  child: ChildProcess;
  /** The exit code (128+signal when killed, 127 when the runtime could not be run). */
  exit: Promise<number>;
  done(): boolean;
  /** Why the runtime could not be run at all, if it could not. */
  failure(): string | undefined;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
}

function shellQuote(args: string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

export function startRuntime(config: SupervisorConfig, dir: string): RuntimeRun {
  const pidFile = join(dir, 'container.pid');
  rmSync(pidFile, { force: true });
  const runArgs = ['--root', config.runtimeRoot, 'run', '--bundle', dir, '--pid-file', pidFile, config.id];
  // A tty container needs runc to have a controlling terminal: `script` provides a pty around it, and the
  // container's terminal output comes out on script's stdout.
  const [file, args] = config.tty
    ? ['script', ['-qefc', shellQuote([config.runtime, ...runArgs]), '/dev/null']]
    : [config.runtime, runArgs];
  const child = spawn(file as string, args as string[], {
    cwd: dir,
    stdio: [config.stdinOpen || config.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const spawnedAt = performance.now();
  let done = false;
  let failure: string | undefined;
  const exit = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      done = true;
      failure = `cannot run ${config.runtime}: ${err.message}`;
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      done = true;
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0));
    });
  });
  return { child, exit, done: () => done, failure: () => failure, spawnedAt };
}
