import type { ExecutionEvent } from '../../reconcile/events.js';
import { eventLine, type ProgressRenderer } from './renderer.js';

/** One line per step and state, no control characters: for pipes, logs and CI. */
export class PlainRenderer implements ProgressRenderer {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  start(): void {}

  event(event: ExecutionEvent): void {
    this.stream.write(` ${eventLine(event)}\n`);
  }

  message(text: string): void {
    this.stream.write(`${text}\n`);
  }

  async close(): Promise<void> {}
}
