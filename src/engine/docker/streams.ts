/**
 * Reading Docker's streams chunk by chunk: the multiplexed stdout/stderr framing, log timestamps, and
 * newline-delimited JSON (events, progress). Nothing here holds more than one frame or line at a time.
 */
import type { Readable } from 'node:stream';
import type { OutputChunk } from '../types.js';

const STREAM_STDERR = 2; // 1 is stdout
const HEADER_BYTES = 8;

/**
 * Splits Docker's multiplexed stream: each frame is an 8-byte header (stream type, 3 zero bytes, big-endian
 * length) followed by that many bytes. Frames on stdin (0) only appear when a tty echoes, so they count as stdout.
 */
export async function* demultiplex(source: AsyncIterable<Buffer>): AsyncGenerator<OutputChunk> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= HEADER_BYTES) {
      const type = pending[offset];
      const length = pending.readUInt32BE(offset + 4);
      if (pending.length - offset - HEADER_BYTES < length) break;
      const data = pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
      offset += HEADER_BYTES + length;
      if (length === 0) continue;
      yield { stream: type === STREAM_STDERR ? 'stderr' : 'stdout', data: Buffer.from(data) };
    }
    pending = offset === 0 ? pending : pending.subarray(offset);
  }
  if (pending.length > 0) yield { stream: 'stdout', data: Buffer.from(pending) };
}

/** A tty stream is raw: everything is stdout. */
export async function* rawOutput(source: AsyncIterable<Buffer>): AsyncGenerator<OutputChunk> {
  for await (const chunk of source) {
    if (chunk.length > 0) yield { stream: 'stdout', data: chunk };
  }
}

// "2024-05-01T10:00:00.123456789Z " at the start of each log line when timestamps are asked for.
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) /;

/** RFC 3339 with nanoseconds → ms since the epoch (Date.parse keeps only milliseconds, which is what we want). */
export function parseLogTime(stamp: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!m) return NaN;
  const fraction = m[2] ? m[2].slice(0, 4).padEnd(4, '0') : '';
  return Date.parse(`${m[1]}${fraction}${m[3]}`);
}

function splitTimestamp(stream: OutputChunk['stream'], data: Buffer): OutputChunk {
  const m = TIMESTAMP.exec(data.subarray(0, 40).toString('latin1'));
  if (!m) return { stream, data };
  return { stream, data: data.subarray(m[0].length), time: parseLogTime(m[0].slice(0, -1)) };
}

/**
 * Moves each log line's timestamp prefix into `time`. A multiplexed stream carries one log line per frame, each
 * with its own prefix (even a partial line), so frames are read as they come; a tty stream is raw bytes, so lines
 * are reassembled first.
 */
export async function* withTimestamps(
  source: AsyncIterable<OutputChunk>,
  framed: boolean,
): AsyncGenerator<OutputChunk> {
  if (framed) {
    for await (const chunk of source) yield splitTimestamp(chunk.stream, chunk.data);
    return;
  }
  let partial: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    let data = partial.length ? Buffer.concat([partial, chunk.data]) : chunk.data;
    let newline: number;
    while ((newline = data.indexOf(0x0a)) !== -1) {
      yield splitTimestamp('stdout', data.subarray(0, newline + 1));
      data = data.subarray(newline + 1);
    }
    partial = data;
  }
  if (partial.length) yield splitTimestamp('stdout', partial);
}

/** Newline-delimited JSON objects, one at a time. Blank lines are skipped; a line that is not JSON is an error. */
export async function* jsonLines<T = unknown>(source: AsyncIterable<Buffer | string>): AsyncGenerator<T> {
  let buffered = '';
  for await (const chunk of source) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  const rest = buffered.trim();
  if (rest) yield JSON.parse(rest) as T;
}

/**
 * Iterates a response and ends quietly when the caller's signal aborted it (the socket is destroyed then, which
 * Node reports as a premature close). Other failures go through `mapError`.
 */
export async function* guarded<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  mapError: (err: unknown) => Error,
): AsyncGenerator<T> {
  try {
    for await (const item of source) yield item;
  } catch (err) {
    if (signal?.aborted) return;
    throw mapError(err);
  }
}

/** Makes sure an abandoned iteration (a `break` in the consumer) releases the connection. */
export async function* closing<T>(source: AsyncIterable<T>, stream: Readable): AsyncGenerator<T> {
  try {
    yield* source;
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}
