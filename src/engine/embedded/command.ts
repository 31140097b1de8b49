/** Running the few host tools the engine shells out to (runc, mount, mknod, tar, ps), with their output kept. */
import { spawn } from 'node:child_process';
import { EngineError } from '../errors.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; never throws for a non-zero exit (see runOk). */
export function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + signalNumber(signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs a command and fails with its stderr when it exits non-zero. */
export async function runOk(file: string, args: string[], options: CommandOptions = {}): Promise<string> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) {
    const why = (result.stderr || result.stdout).trim().split('\n').slice(-3).join('; ');
    throw new EngineError(`${file} ${args.slice(0, 3).join(' ')}… failed (exit ${result.code}): ${why}`);
  }
  return result.stdout;
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26,
  SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

export function signalNumber(signal: string | null | undefined): number {
  return signal ? SIGNALS[signal] ?? 0 : 0;
}

/** "TERM", "SIGTERM", "15" → "SIGTERM"; undefined for an unknown signal. */
export function normalizeSignal(signal: string): string | undefined {
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return Object.entries(SIGNALS).find(([, v]) => v === n)?.[0];
  }
  const name = text.startsWith('SIG') ? text : `SIG${text}`;
  return name in SIGNALS ? name : undefined;
}
