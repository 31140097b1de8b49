/**
 * Container output to ctr.log as JSON lines {time, stream, text}, one per line of output (a line longer than
 * 16 KiB is split, like Docker's json-file). Writes are synchronous appends so a crash loses nothing written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';

const MAX_LINE = 16 * 1024;

export class LogWriter {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a', 0o640);
  }

  private write(stream: 'stdout' | 'stderr', text: string): void {
    const line = JSON.stringify({ time: new Date().toISOString(), stream, text }) + '\n';
    try {
      writeSync(this.fd, line);
    } catch {
      // A full disk must not kill the supervisor (and with it the container's output pipe).
    }
  }

  /** Follows one output stream until it ends; resolves once its last partial line is written. */
  follow(source: Readable, stream: 'stdout' | 'stderr'): Promise<void> {
    let pending = '';
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.write(stream, pending.slice(0, newline + 1));
        pending = pending.slice(newline + 1);
      }
      while (pending.length > MAX_LINE) {
        this.write(stream, pending.slice(0, MAX_LINE));
        pending = pending.slice(MAX_LINE);
      }
    });
    return new Promise((resolve) => {
      const finish = () => {
        if (pending) this.write(stream, pending);
        pending = '';
        resolve();
      };
      source.on('end', finish);
      source.on('error', finish);
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}
