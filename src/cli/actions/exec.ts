import type { TerminalSize } from '../../api/exec.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

interface ExecFlags {
  detach?: boolean;
  env: string[];
  index?: number;
  tty: boolean;
  interactive?: boolean;
  privileged?: boolean;
  user?: string;
  workdir?: string;
}

/** Runs the command; returns its exit code (the CLI's). */
export async function runExec(service: string, command: string[], flags: GlobalOptions & ExecFlags): Promise<number> {
  const { execInService, resolveEnvFlags } = await import('../../api/exec.js');
  const tty = flags.tty && !flags.detach && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const interactive = flags.interactive !== false && !flags.detach;
  return withTerminal(tty, interactive, () => execInService({
    ...projectOptions(flags), service, command, index: flags.index, detach: flags.detach, tty,
    environment: resolveEnvFlags(flags.env), user: flags.user, workingDir: flags.workdir, privileged: flags.privileged,
    ...(interactive ? { stdin: process.stdin } : {}),
    stdout: process.stdout, stderr: process.stderr,
    ...(tty ? { terminal: terminalSize() } : {}),
  }));
}

/**
 * Puts the terminal in raw mode for a tty session (keys go to the container as typed) and restores it after;
 * lets go of our stdin afterwards so that the process can exit.
 */
export async function withTerminal<T>(tty: boolean, usesStdin: boolean, work: () => Promise<T>): Promise<T> {
  const raw = tty && process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  try {
    return await work();
  } finally {
    if (raw) process.stdin.setRawMode(false);
    if (usesStdin) process.stdin.destroy();
  }
}

export function terminalSize(): TerminalSize {
  return {
    columns: process.stdout.columns ?? 80,
    rows: process.stdout.rows ?? 24,
    onResize(listener) {
      const onResize = (): void => listener(process.stdout.columns ?? 80, process.stdout.rows ?? 24);
      process.stdout.on('resize', onResize);
      return () => process.stdout.off('resize', onResize);
    },
  };
}
