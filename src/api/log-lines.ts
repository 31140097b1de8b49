/**
 * Log chunks → whole lines, and lines of several containers merged in time order. Both work one line at a time,
 * so memory stays bounded by the longest line (capped), never by the size of the logs.
 */
import type { OutputChunk } from '../engine/types.js';

/** One line of a container's output, without its newline. */
export interface TimedLine {
  stream: 'stdout' | 'stderr';
  /** ms since the epoch, from the engine's timestamp (0 when it gave none). */
  time: number;
  text: Buffer;
}

/** A line longer than this is cut into pieces rather than buffered whole. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Reassembles lines: Docker sends one frame per log message, but splits messages over 16 KiB into several frames
 * without a newline; a tty stream may also carry several lines in one chunk.
 */
export async function* splitLines<S>(chunks: AsyncIterable<OutputChunk>, source: S): AsyncGenerator<TimedLine & { source: S }> {
  let partial: Buffer | undefined;
  let partialStream: TimedLine['stream'] = 'stdout';
  let partialTime = 0;
  for await (const chunk of chunks) {
    const time = chunk.time ?? Date.now();
    let data = chunk.data;
    if (partial && partialStream !== chunk.stream) {
      yield { stream: partialStream, time: partialTime, text: partial, source };
      partial = undefined;
    }
    let newline: number;
    while ((newline = data.indexOf(0x0a)) !== -1) {
      const piece = data.subarray(0, newline > 0 && data[newline - 1] === 0x0d ? newline - 1 : newline);
      if (partial) {
        yield { stream: partialStream, time: partialTime, text: Buffer.concat([partial, piece]), source };
        partial = undefined;
      } else {
        yield { stream: chunk.stream, time, text: piece, source };
      }
      data = data.subarray(newline + 1);
    }
    if (data.length === 0) continue;
    if (!partial) {
      partial = data;
      partialStream = chunk.stream;
      partialTime = time;
    } else {
      partial = Buffer.concat([partial, data]);
    }
    if (partial.length >= MAX_LINE_BYTES) {
      yield { stream: partialStream, time: partialTime, text: partial, source };
      partial = undefined;
    }
  }
  if (partial) yield { stream: partialStream, time: partialTime, text: partial, source };
}

/**
 * Merges sorted streams into one sorted stream: always the earliest head next (ties: the earlier source). Each
 * source holds at most one item here, so a quiet source holds the merge up, which is why it is used only on
 * streams that end (history), never on followed ones.
 */
export async function* mergeByTime<T extends { time: number }>(sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  // One source is already in order: no need to pay for the merge on every line.
  if (sources.length === 1) {
    yield* sources[0]!;
    return;
  }
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<IteratorResult<T> | undefined> = await Promise.all(iterators.map((it) => it.next()));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (!head || head.done) continue;
        if (best < 0 || head.value.time < (heads[best] as IteratorYieldResult<T>).value.time) best = i;
      }
      if (best < 0) return;
      yield (heads[best] as IteratorYieldResult<T>).value;
      heads[best] = await iterators[best]!.next();
    }
  } finally {
    // A consumer that stops early must not leave connections open.
    await Promise.all(iterators.map((it, i) => (heads[i]?.done ? undefined : it.return?.())));
  }
}
