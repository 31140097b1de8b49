/**
 * The event journal: one JSON line per event, appended by the engine and by the supervisors. Appends of one
 * short line with O_APPEND land whole, so writers need no lock. Readers follow the file by polling its size.
 */
import { appendFileSync, promises as fs } from 'node:fs';
import type { EngineEvent, EventOptions } from '../../types.js';

export function appendEvent(journalPath: string, event: Omit<EngineEvent, 'time'> & { time?: number }): void {
  const line = JSON.stringify({ ...event, time: event.time ?? Date.now() }) + '\n';
  try {
    appendFileSync(journalPath, line);
  } catch {
    // Events are advisory: a full disk must not fail the operation that produced them.
  }
}

function matches(event: EngineEvent, options: EventOptions): boolean {
  if (options.types && !options.types.includes(event.type)) return false;
  if (options.since !== undefined && event.time < options.since) return false;
  if (options.until !== undefined && event.time > options.until) return false;
  for (const [key, want] of Object.entries(options.labels ?? {})) {
    const have = event.attributes[key];
    if (have === undefined || (want !== true && have !== want)) return false;
  }
  return true;
}

/**
 * Past events from `since` (when given), then live ones until the signal aborts or `until` passes.
 * Without `since`, only events appended after the call.
 */
export async function* readEvents(journalPath: string, options: EventOptions = {}): AsyncGenerator<EngineEvent> {
  let offset = 0;
  if (options.since === undefined) {
    offset = await fs.stat(journalPath).then((s) => s.size, () => 0);
  }
  let partial = '';
  const signal = options.signal;
  while (!signal?.aborted) {
    const size = await fs.stat(journalPath).then((s) => s.size, () => 0);
    if (size < offset) offset = 0; // journal was truncated
    if (size > offset) {
      const handle = await fs.open(journalPath, 'r');
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      await handle.close();
      offset = size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        let event: EngineEvent;
        try {
          event = JSON.parse(line) as EngineEvent;
        } catch {
          continue;
        }
        if (matches(event, options)) yield event;
      }
    }
    if (options.until !== undefined && Date.now() > options.until) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 100);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
