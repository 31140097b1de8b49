import type { LogLine, LogSource } from '../../api/logs.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { BatchedWriter, ColorPicker, useColor } from './output.js';

interface LogsFlags {
  follow?: boolean;
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
  color: boolean;
  logPrefix: boolean;
  index?: number;
}

export async function runLogs(services: string[], flags: GlobalOptions & LogsFlags): Promise<void> {
  const { logs } = await import('../../api/logs.js');
  const printer = new LogPrinter({
    color: useColor(flags, process.stdout, !flags.color),
    prefix: flags.logPrefix,
    timestamps: flags.timestamps ?? false,
  });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    await logs({
      ...projectOptions(flags), services, follow: flags.follow, tail: flags.tail, since: flags.since, until: flags.until,
      index: flags.index, timestamps: flags.timestamps, signal: controller.signal, onContainer: (source) => printer.add(source),
    }, (line) => printer.print(line));
  } finally {
    process.off('SIGINT', onSignal);
    await printer.end();
  }
}

/** Prefixes (`web-1  | `, padded to the longest name, coloured per container) and -t timestamps, as Docker Compose. */
export class LogPrinter {
  private readonly writer = new BatchedWriter();
  private readonly colors = new ColorPicker();
  private readonly prefixes = new Map<string, Buffer>();
  private readonly names = new Map<string, string>();
  private width = 0;

  constructor(private readonly options: { color: boolean; prefix: boolean; timestamps: boolean },
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr) {}

  add(source: LogSource): void {
    this.names.set(source.id, source.displayName);
    if (source.displayName.length > this.width) {
      this.width = source.displayName.length;
      this.prefixes.clear();
    }
  }

  print(line: LogLine): Promise<void> | undefined {
    const stream = line.stream === 'stderr' ? this.stderr : this.stdout;
    if (this.options.timestamps) {
      const stamp = `${rfc3339Nano(line.time)} `;
      return this.options.prefix ? this.writer.write(stream, this.prefix(line.source), stamp, line.text, NEWLINE)
        : this.writer.write(stream, stamp, line.text, NEWLINE);
    }
    return this.options.prefix ? this.writer.write(stream, this.prefix(line.source), line.text, NEWLINE)
      : this.writer.write(stream, line.text, NEWLINE);
  }

  end(): Promise<void> {
    return this.writer.end();
  }

  private prefix(source: LogSource): Buffer {
    let prefix = this.prefixes.get(source.id);
    if (!prefix) {
      if (!this.names.has(source.id)) this.add(source);
      const text = `${source.displayName.padEnd(this.width)} | `;
      prefix = Buffer.from(this.options.color ? this.colors.paint(source.id, text) : text);
      this.prefixes.set(source.id, prefix);
    }
    return prefix;
  }
}

const NEWLINE = Buffer.from('\n');

/** Docker's RFC3339NanoFixed, in UTC; the engine gives milliseconds, the rest are zeros. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
