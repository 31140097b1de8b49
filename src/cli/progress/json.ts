import type { ExecutionEvent } from '../../reconcile/events.js';
import type { ProgressRenderer } from './renderer.js';

/** One JSON object per line: the events as they are, for machines. Messages are `{"message": ...}` lines. */
export class JsonRenderer implements ProgressRenderer {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  start(): void {}

  event(event: ExecutionEvent): void {
    this.stream.write(JSON.stringify(event) + '\n');
  }

  message(text: string): void {
    this.stream.write(JSON.stringify({ message: text, time: Date.now() }) + '\n');
  }

  async close(): Promise<void> {}
}
