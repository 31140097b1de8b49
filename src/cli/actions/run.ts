import type { GlobalOptions } from '../options.js';
import { createProgressRenderer } from '../progress/renderer.js';
import { projectOptions } from './common.js';
import { terminalSize, withTerminal } from './exec.js';

interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  env: string[];
  label: string[];
  publish: string[];
  servicePorts?: boolean;
  deps: boolean;
  entrypoint?: string;
  workdir?: string;
  user?: string;
  volume: string[];
  useAliases?: boolean;
  tty: boolean;
  interactive?: boolean;
}

/** Runs the one-off container; returns its exit code (the CLI's). */
export async function runRun(service: string, command: string[], flags: GlobalOptions & RunFlags): Promise<number> {
  const { runOneOff } = await import('../../api/run.js');
  const { resolveEnvFlags } = await import('../../api/exec.js');
  const tty = flags.tty && !flags.detach && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const interactive = flags.interactive !== false && !flags.detach;
  // Dependencies get the usual progress display on stderr, ended before the container's own output starts.
  const renderer = await createProgressRenderer({ mode: flags.progress });
  let rendererOpen = true;
  const closeRenderer = async (): Promise<void> => {
    if (rendererOpen) await renderer.close();
    rendererOpen = false;
  };
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.on('SIGTERM', onSignal);
  if (!tty) process.on('SIGINT', onSignal);
  let result;
  try {
    result = await withTerminal(tty, interactive, () => runOneOff({
      ...projectOptions(flags), service, command, detach: flags.detach, rm: flags.rm, name: flags.name,
      environment: resolveEnvFlags(flags.env), labels: flags.label, publish: flags.publish,
      servicePorts: flags.servicePorts, noDeps: !flags.deps, entrypoint: flags.entrypoint, workingDir: flags.workdir,
      user: flags.user, volumes: flags.volume, useAliases: flags.useAliases, tty, interactive,
      ...(interactive ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr,
      ...(tty ? { terminal: terminalSize() } : {}),
      signal: controller.signal,
      onEvent: (event) => renderer.event(event),
      onWarning: (message) => renderer.message(`WARN ${message}`),
      onPrepared: closeRenderer,
    }));
  } finally {
    await closeRenderer();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  if (flags.detach) process.stdout.write(`${result.name}\n`);
  return result.exitCode;
}
