/**
 * `exec`: a command in a running container of a service, with the command's exit code. Streams are the
 * caller's: the CLI passes the terminal (raw when there is a tty), tests pass buffers.
 */
import type { Readable, Writable } from 'node:stream';
import type { ProjectOptions } from './options.js';
import { serviceContainer, withProjectScope } from './project-containers.js';

/** Options of `exec`: the service and replica, the command, and its environment, user, directory, tty and stdin. */
export interface ExecInServiceOptions extends ProjectOptions {
  service: string;
  command: string[];
  /** Replica number (`--index`); default the lowest-numbered running one. */
  index?: number;
  /** Start the command and return at once, without its output or exit code (`-d`). */
  detach?: boolean;
  tty?: boolean;
  /** `KEY=VALUE` entries for the command (`-e`); `env` is the project's interpolation environment. */
  environment?: string[];
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  /** Piped to the command's stdin; absent: no stdin. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** With a tty: the terminal size now, and a way to hear about changes. */
  terminal?: TerminalSize;
}

/** The caller's terminal, for exec and run sessions with a tty. */
export interface TerminalSize {
  columns: number;
  rows: number;
  /** Registers a listener for size changes; returns its removal. */
  onResize(listener: (columns: number, rows: number) => void): () => void;
}

/** Runs the command; resolves with its exit code (0 when detached). */
export async function execInService(options: ExecInServiceOptions): Promise<number> {
  return withProjectScope(options, [options.service], async (session, scope) => {
    const engine = session.engine;
    const container = await serviceContainer(engine, scope.name, options.service, { index: options.index, running: true });
    // Our own signal, so that a detached exec can drop its connection once the process has started.
    const connection = linkedController(options.signal);
    const execution = await engine.exec(container.id, {
      cmd: options.command,
      ...(options.environment && options.environment.length > 0 ? { env: options.environment } : {}),
      ...(options.user ? { user: options.user } : {}),
      ...(options.workingDir ? { workingDir: options.workingDir } : {}),
      tty: options.tty ?? false,
      privileged: options.privileged ?? false,
      ...(options.stdin && !options.detach ? { stdin: options.stdin } : {}),
      signal: connection.signal,
    });
    if (options.detach) {
      // Closing the connection detaches: the process keeps running in the container.
      connection.abort();
      return 0;
    }
    let stopResizing: (() => void) | undefined;
    if (options.tty && options.terminal && execution.resize) {
      const resize = execution.resize.bind(execution);
      await resize(options.terminal.columns, options.terminal.rows).catch(() => undefined);
      stopResizing = options.terminal.onResize((columns, rows) => void resize(columns, rows).catch(() => undefined));
    }
    try {
      await pumpOutput(execution.output, options.stdout, options.stderr);
      return await execution.exitCode;
    } finally {
      stopResizing?.();
      options.stdin?.unpipe();
    }
  });
}

/** Copies a container's output to the caller's streams, waiting for them when they are full. */
export async function pumpOutput(output: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>,
  stdout: Writable | undefined, stderr: Writable | undefined): Promise<void> {
  for await (const chunk of output) {
    const target = chunk.stream === 'stderr' ? stderr : stdout;
    if (!target) continue;
    if (!target.write(chunk.data)) await new Promise<void>((resolve) => target.once('drain', () => resolve()));
  }
}

/** `-e KEY=VALUE` as given; `-e KEY` takes KEY from our environment, and is dropped when it is not set there. */
export function resolveEnvFlags(entries: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.includes('=')) out.push(entry);
    else if (env[entry] !== undefined) out.push(`${entry}=${env[entry]}`);
  }
  return out;
}

/** An AbortController that also aborts when `parent` does. */
export function linkedController(parent: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
  return controller;
}
