/**
 * Output helpers shared by the "run and observe" commands: whether to colour, Docker Compose's per-container
 * colours, a batching writer (one write per 64 KiB instead of one per line, with the stream's backpressure), and
 * simple tables.
 */
import type { GlobalOptions } from '../options.js';

/** `--ansi`, NO_COLOR and whether the stream is a terminal decide; a command's own `--no-color` wins. */
export function useColor(globals: GlobalOptions, stream: NodeJS.WriteStream, noColor?: boolean): boolean {
  if (noColor) return false;
  const ansi = globals.ansi ?? (process.env.COMPOSE_ANSI as GlobalOptions['ansi']) ?? 'auto';
  if (ansi === 'never') return false;
  if (ansi === 'always') return true;
  if (process.env.NO_COLOR) return false;
  return stream.isTTY === true;
}

// Docker Compose's rainbow: cyan, yellow, green, magenta, blue, then their intense variants.
const RAINBOW = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'];

/** Hands out colours in Docker Compose's order, one per key, stable for the key. */
export class ColorPicker {
  private readonly assigned = new Map<string, string>();

  paint(key: string, text: string): string {
    let code = this.assigned.get(key);
    if (code === undefined) {
      code = RAINBOW[this.assigned.size % RAINBOW.length]!;
      this.assigned.set(key, code);
    }
    return `\u001b[${code}m${text}\u001b[0m`;
  }
}

const BATCH_BYTES = 64 * 1024;

/**
 * Collects small writes and passes them on in batches: at 64 KiB, when the target stream changes (so stdout and
 * stderr stay in order), or on the next turn of the event loop (so followed output is not delayed).
 */
export class BatchedWriter {
  private parts: Buffer[] = [];
  private size = 0;
  private target: NodeJS.WritableStream | undefined;
  private scheduled: NodeJS.Immediate | undefined;

  /** Resolves at once, or when the stream has drained if it is full. */
  write(stream: NodeJS.WritableStream, ...pieces: Array<Buffer | string>): Promise<void> | undefined {
    if (this.target !== stream) this.flushSync();
    this.target = stream;
    for (const piece of pieces) {
      const buffer = typeof piece === 'string' ? Buffer.from(piece) : piece;
      this.parts.push(buffer);
      this.size += buffer.length;
    }
    if (this.size >= BATCH_BYTES) return this.flushSync();
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      void this.flushSync();
    });
    return undefined;
  }

  /** Writes what is pending; resolves when the stream can take more. */
  flushSync(): Promise<void> | undefined {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const target = this.target;
    if (!target || this.size === 0) return undefined;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (target.write(data)) return undefined;
    return new Promise((resolve) => target.once('drain', () => resolve()));
  }

  /** Flushes and waits until the stream has taken everything. */
  async end(): Promise<void> {
    await this.flushSync();
  }
}

/** Left-aligned columns separated by three spaces, as Docker's tables; the last column is not padded. */
export function renderTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n')
    .join('');
}

/** Docker's human sizes: 1000-based units with three significant digits ("13.4MB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** Docker's binary sizes for memory ("12.5MiB"). */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(4))}${units[unit]}`;
}
