/**
 * Plain lines for pipes, logs and CI, BuildKit-like for builds so that people and scripts read them the same way:
 *   #1 [internal] load build context: 5 files, 1.4kB 0.0s
 *   #3 [2/5] COPY package*.json ./ CACHED 0.0s
 *   #5 [4/5] COPY . .
 *   #5 DONE 0.2s
 * A cached step is one line; a step that runs gets a line when it starts, its output (`#5 ...`), then DONE or
 * ERROR. With several images in one run the service is named: `[web 2/5]`. Pulls and pushes get one line per
 * state: ` Image redis:7  Pulling`, ` Image redis:7  Pulled  1.2s`.
 */
import type { ImageEvent } from '../../images/events.js';
import { isBuilderChatter, seconds, size, stepLabel, VERBS, type ImageProgressRenderer } from './renderer.js';

export class PlainImageRenderer implements ImageProgressRenderer {
  private next = 1;
  /** `service/step` → its #number. */
  private readonly numbers = new Map<string, number>();
  private withService = false;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  event(event: ImageEvent): void {
    if (event.type === 'queued') {
      if (event.operation === 'build') this.withService = event.items.length > 1;
      return;
    }
    if (event.operation === 'build') this.build(event);
    else this.transfer(event);
  }

  private build(event: Exclude<ImageEvent, { type: 'queued' }>): void {
    const context = this.withService ? `[${event.service} internal]` : '[internal]';
    switch (event.type) {
      case 'context':
        this.write(`#${this.next++} ${context} load build context: ${event.files} files, ${size(event.bytes)} ${seconds(event.elapsedMs)}`);
        break;
      case 'step':
        this.numbers.set(`${event.service}/${event.step}`, this.next++);
        if (!event.cached) this.write(`${this.number(event)} ${stepLabel(event, this.withService)} ${event.instruction}`);
        break;
      case 'step-done':
        if (event.cached) this.write(`${this.number(event)} ${stepLabel(event, this.withService)} ${event.instruction} CACHED ${seconds(event.elapsedMs)}`);
        else this.write(`${this.number(event)} DONE ${seconds(event.elapsedMs)}`);
        break;
      case 'output':
        if (event.step !== undefined && !isBuilderChatter(event.line)) this.write(`${this.number({ ...event, step: event.step })} ${event.line}`);
        break;
      case 'failed':
        if (event.step !== undefined) this.write(`${this.number({ ...event, step: event.step })} ERROR: ${event.error}`);
        this.write(` Image ${event.image}  Error  ${seconds(event.elapsedMs)}`);
        break;
      case 'done':
        this.write(` Image ${event.image}  Built  ${seconds(event.elapsedMs)}`);
        break;
      case 'warning':
        this.write(`WARN ${event.message}`);
        break;
      default:
        break;
    }
  }

  private transfer(event: Exclude<ImageEvent, { type: 'queued' }>): void {
    const verbs = VERBS[event.operation];
    switch (event.type) {
      case 'started':
        this.write(` Image ${event.image}  ${verbs.doing}`);
        break;
      case 'done':
        this.write(` Image ${event.image}  ${verbs.done}  ${seconds(event.elapsedMs)}`);
        break;
      case 'failed':
        this.write(` Image ${event.image}  Error  ${event.error}`);
        break;
      case 'skipped':
        this.write(` Image ${event.image}  Skipped - ${event.reason}`);
        break;
      case 'warning':
        this.write(`WARN ${event.message}`);
        break;
      default:
        break;
    }
  }

  private number(event: { service: string; step: number }): string {
    return `#${this.numbers.get(`${event.service}/${event.step}`) ?? '?'}`;
  }

  private write(line: string): void {
    this.stream.write(`${line}\n`);
  }

  message(text: string): void {
    this.write(text);
  }

  async close(): Promise<void> {}
}
