/**
 * What goes in and out of a running container over the Docker API: logs, attach, exec, file archives, and the
 * process table and resource samples (top, stats).
 */
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type {
  AttachOptions,
  AttachSession,
  ExecOptions,
  ExecSession,
  LogOptions,
  OutputChunk,
  StatsSample,
  TopResult,
} from '../types.js';
import { inspectContainerRaw } from './containers.js';
import { statsSample } from './convert.js';
import { closing, demultiplex, guarded, rawOutput, withTimestamps } from './streams.js';
import { pathSegment, type DockerTransport, type Json } from './transport.js';

/** Output of a container or exec: framed unless there is a tty. */
function output(
  api: DockerTransport,
  stream: Readable,
  tty: boolean,
  signal: AbortSignal | undefined,
  what: string,
): AsyncIterable<OutputChunk> {
  const chunks = tty ? rawOutput(stream) : demultiplex(stream);
  return closing(
    guarded(chunks, signal, (err) => api.mapError(err, what)),
    stream,
  );
}

export async function* containerLogs(
  api: DockerTransport,
  id: string,
  options: LogOptions = {},
): AsyncGenerator<OutputChunk> {
  const what = `logs of container ${id}`;
  // The tty question and the log request go out together: a framed stream can only be read knowing it.
  const [details, stream] = await Promise.all([
    inspectContainerRaw(api, id),
    api.stream({
      method: 'GET',
      path: `/containers/${pathSegment(id)}/logs`,
      query: {
        follow: options.follow ?? false,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        since: options.since,
        until: options.until,
        timestamps: options.timestamps ?? false,
        tail: options.tail === undefined ? 'all' : String(options.tail),
      },
      signal: options.signal,
      what,
      subject: { kind: 'container', ref: id },
    }),
  ]);
  const tty = details.Config?.Tty === true;
  const chunks = output(api, stream, tty, options.signal, what);
  yield* options.timestamps ? withTimestamps(chunks, !tty) : chunks;
}

export async function attachContainer(
  api: DockerTransport,
  id: string,
  options: AttachOptions = {},
): Promise<AttachSession> {
  const details = await inspectContainerRaw(api, id);
  const tty = details.Config?.Tty === true;
  const what = `attach to container ${id}`;
  const sock = await api.hijack({
    method: 'POST',
    path: `/containers/${pathSegment(id)}/attach`,
    query: {
      stream: true,
      stdout: true,
      stderr: true,
      stdin: options.stdin ?? false,
      logs: !(options.streamOnly ?? true),
    },
    signal: options.signal,
    what,
    subject: { kind: 'container', ref: id },
  });
  return {
    output: output(api, sock, tty, options.signal, what),
    ...(options.stdin ? { stdin: stdinOf(sock) } : {}),
    close: async () => {
      sock.destroy();
    },
  };
}

/** The writable half of a hijacked connection; ending it half-closes, which the daemon reads as end of stdin. */
function stdinOf(sock: Duplex): PassThrough {
  const input = new PassThrough();
  input.pipe(sock);
  return input;
}

export async function execInContainer(api: DockerTransport, id: string, options: ExecOptions): Promise<ExecSession> {
  const tty = options.tty ?? false;
  const wantsStdin = options.stdin !== undefined;
  const created = await api.json<Json>({
    method: 'POST',
    path: `/containers/${pathSegment(id)}/exec`,
    body: {
      AttachStdin: wantsStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      Cmd: options.cmd,
      ...(options.env ? { Env: options.env } : {}),
      ...(options.user ? { User: options.user } : {}),
      ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
      ...(options.privileged ? { Privileged: true } : {}),
    },
    ok: [201],
    what: `exec in container ${id}`,
    subject: { kind: 'container', ref: id },
  });
  const execId = String(created.Id);
  const what = `exec ${options.cmd.join(' ')} in container ${id}`;
  const sock = await api.hijack({
    method: 'POST',
    path: `/exec/${execId}/start`,
    body: { Detach: false, Tty: tty },
    signal: options.signal,
    what,
    subject: { kind: 'exec', ref: execId },
  });
  const stdin = options.stdin;
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    sock.end(stdin);
  } else if (stdin) {
    stdin.pipe(sock);
  }
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  const exitCode = ended.then(() => execExitCode(api, execId, what));
  exitCode.catch(() => undefined); // awaited by the caller; never an unhandled rejection
  return {
    output: output(api, sock, tty, options.signal, what),
    exitCode,
    ...(tty
      ? {
          resize: async (cols: number, rows: number) => {
            await api.json({
              method: 'POST',
              path: `/exec/${execId}/resize`,
              query: { w: cols, h: rows },
              ok: [200, 201],
              what: `resize exec ${execId}`,
            });
          },
        }
      : {}),
  };
}

/** The daemon records the exit code a moment after the stream closes, hence the short retry. */
async function execExitCode(api: DockerTransport, execId: string, what: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const state = await api.json<Json>({
      method: 'GET',
      path: `/exec/${execId}/json`,
      what,
      subject: { kind: 'exec', ref: execId },
    });
    if (!state.Running || attempt >= 50) return Number(state.ExitCode ?? -1);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function getArchive(api: DockerTransport, id: string, path: string): Promise<Readable> {
  return api.stream({
    method: 'GET',
    path: `/containers/${pathSegment(id)}/archive`,
    query: { path },
    what: `copy ${path} from container ${id}`,
    subject: { kind: 'container', ref: `${id}:${path}` },
  });
}

export async function putArchive(api: DockerTransport, id: string, path: string, tar: Readable): Promise<void> {
  await api.json({
    method: 'PUT',
    path: `/containers/${pathSegment(id)}/archive`,
    query: { path },
    file: tar,
    ok: [200],
    what: `copy into ${path} in container ${id}`,
    subject: { kind: 'container', ref: `${id}:${path}` },
  });
}

export async function top(api: DockerTransport, id: string, psArgs?: string): Promise<TopResult> {
  const result = await api.json<Json>({
    method: 'GET',
    path: `/containers/${pathSegment(id)}/top`,
    query: { ps_args: psArgs },
    what: `top of container ${id}`,
    subject: { kind: 'container', ref: id },
  });
  return { titles: result.Titles ?? [], processes: result.Processes ?? [] };
}

export async function stats(api: DockerTransport, id: string): Promise<StatsSample> {
  const result = await api.json<Json>({
    method: 'GET',
    path: `/containers/${pathSegment(id)}/stats`,
    query: { stream: false },
    what: `stats of container ${id}`,
    subject: { kind: 'container', ref: id },
  });
  return statsSample(result);
}
