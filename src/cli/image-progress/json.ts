import type { ImageEvent } from '../../images/events.js';
import type { ImageProgressRenderer } from './renderer.js';

/** One JSON object per line and event, as the API reports it (`--progress json`). */
export class JsonImageRenderer implements ImageProgressRenderer {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  event(event: ImageEvent): void {
    this.stream.write(`${JSON.stringify(event)}\n`);
  }

  message(text: string): void {
    this.stream.write(`${JSON.stringify({ type: 'message', message: text, time: Date.now() })}\n`);
  }

  async close(): Promise<void> {}
}
