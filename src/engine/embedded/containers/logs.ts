/**
 * Reading ctr.log (JSON lines {time, stream, text} written by the supervisor): tail, since/until, stream
 * selection, timestamps, and following the file until the container stops or the caller aborts.
 */
import { promises as fs } from 'node:fs';
import type { LogOptions, OutputChunk } from '../../types.js';

interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

function toMs(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return value * 1000;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut short by a crash: skip it
    }
  }
  return out;
}

export interface FollowControl {
  /** True once the container is done producing output (checked after each drained read). */
  finished(): Promise<boolean>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Yields the log as chunks. `fromEnd` starts at the current end of the file (attach); `follow` keeps reading
 * until `control.finished()` says the container is done, or the signal aborts.
 */
export async function* readLogs(
  path: string,
  options: LogOptions & { fromEnd?: boolean },
  control?: FollowControl,
): AsyncGenerator<OutputChunk> {
  const wantOut = options.stdout ?? true;
  const wantErr = options.stderr ?? true;
  const since = toMs(options.since);
  const until = toMs(options.until);
  const emit = (line: LogLine): OutputChunk | undefined => {
    if (line.stream === 'stdout' ? !wantOut : !wantErr) return undefined;
    const time = Date.parse(line.time);
    if (since !== undefined && time < since) return undefined;
    if (until !== undefined && time > until) return undefined;
    return { stream: line.stream, data: Buffer.from(line.text, 'utf8'), ...(options.timestamps ? { time } : {}) };
  };

  let offset = 0;
  if (options.fromEnd) {
    offset = await fs.stat(path).then((s) => s.size, () => 0);
  } else {
    const text = await fs.readFile(path, 'utf8').catch(() => '');
    offset = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    let lines = parseLines(text.slice(0, text.lastIndexOf('\n') + 1));
    // The tail counts lines of both streams, as docker logs does.
    if (options.tail !== undefined && options.tail >= 0) lines = options.tail === 0 ? [] : lines.slice(-options.tail);
    for (const line of lines) {
      const chunk = emit(line);
      if (chunk) yield chunk;
    }
  }
  if (!options.follow || !control) return;
  const signal = options.signal;
  let partial = '';
  while (!signal?.aborted) {
    const done = await control.finished();
    const size = await fs.stat(path).then((s) => s.size, () => 0);
    if (size > offset) {
      const handle = await fs.open(path, 'r');
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      await handle.close();
      offset = size;
      const text = partial + buffer.toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      partial = text.slice(cut);
      for (const line of parseLines(text.slice(0, cut))) {
        if (signal?.aborted) return;
        const chunk = emit(line);
        if (chunk) yield chunk;
      }
      continue;
    }
    // Finished is sampled before the read: whatever was written before it finished has been read now.
    if (done) return;
    await sleep(50, signal);
  }
}
