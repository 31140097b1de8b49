/**
 * The live view on a terminal: one listr2 task per image, its title showing the state and time, and for builds
 * the steps under it, each with its state and time (`CACHED` for reused layers) and the running step's latest
 * output line. Each `queued` batch (pulls, then builds) is a list of its own, drawn after the previous one.
 */
import { Listr, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import type { ImageEvent, ImageOperation } from '../../images/events.js';
import { isBuilderChatter, seconds, stepLabel, VERBS, type ImageProgressRenderer } from './renderer.js';

interface StepLine {
  label: string;
  instruction: string;
  cached: boolean;
  started: number;
  elapsedMs?: number;
}

interface ItemState {
  operation: ImageOperation;
  image: string;
  text: string;
  started?: number;
  elapsedMs?: number;
  steps: StepLine[];
  lastLine?: string;
  layers: Map<string, string>;
  failed?: string;
  /** Step lines finished before listr started the task. */
  pending: string[];
  settled: boolean;
  task?: { title: string; output: string | undefined };
  resolve?: () => void;
  reject?: (error: Error) => void;
}

const REFRESH_MS = 200;

export class TtyImageRenderer implements ImageProgressRenderer {
  private readonly items = new Map<string, ItemState>();
  private running: Promise<unknown> = Promise.resolve();
  private readonly notes: string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  event(event: ImageEvent): void {
    if (event.type === 'queued') return this.queue(event);
    const state = this.items.get(key(event.operation, event.image));
    if (!state) {
      if (event.type === 'warning') this.notes.push(`WARN ${event.message}`);
      return;
    }
    const withService = false;
    switch (event.type) {
      case 'started':
        state.started = event.time;
        state.text = VERBS[event.operation].doing;
        break;
      case 'step':
        state.steps.push({ label: stepLabel(event, withService), instruction: event.instruction, cached: event.cached, started: event.time });
        state.lastLine = undefined;
        break;
      case 'step-done': {
        const step = state.steps.find((s) => s.label === stepLabel(event, withService));
        if (step) step.elapsedMs = event.elapsedMs;
        this.log(state, `${stepLabel(event, withService)} ${event.instruction}  ${event.cached ? 'CACHED ' : ''}${seconds(event.elapsedMs)}`);
        break;
      }
      case 'output':
        if (!isBuilderChatter(event.line)) state.lastLine = event.line;
        break;
      case 'layer':
        state.layers.set(event.layer, event.status);
        break;
      case 'done':
        state.text = VERBS[event.operation].done;
        state.elapsedMs = event.elapsedMs;
        state.lastLine = undefined;
        break;
      case 'failed': {
        state.text = 'Error';
        state.elapsedMs = event.elapsedMs;
        state.failed = event.error;
        if (event.step !== undefined) {
          this.log(state, `${stepLabel({ ...event, step: event.step }, withService)} ${event.instruction ?? ''}  ERROR`);
          for (const line of event.lastLines ?? []) this.log(state, `  > ${line}`);
        }
        break;
      }
      case 'skipped':
        state.text = `Skipped - ${event.reason}`;
        break;
      case 'warning':
        this.notes.push(`WARN ${event.message}`);
        break;
      default:
        break;
    }
    this.draw(state);
    if (['done', 'failed', 'skipped'].includes(event.type)) this.settle(state);
  }

  private queue(event: Extract<ImageEvent, { type: 'queued' }>): void {
    const states = event.items.map((item) => {
      const state: ItemState = { operation: event.operation, image: item.image, text: 'Waiting', steps: [], layers: new Map(),
        pending: [], settled: false };
      this.items.set(key(event.operation, item.image), state);
      return state;
    });
    const list = new Listr(
      states.map((state) => ({
        title: `Image ${state.image}`,
        task: (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => this.track(state, task),
        rendererOptions: { persistentOutput: true, outputBar: Infinity },
      })) as never,
      {
        concurrent: true,
        exitOnError: false,
        renderer: 'default',
        rendererOptions: { collapseErrors: false, formatOutput: 'truncate' },
        registerSignalListeners: false,
        processOutput: new ProcessOutput(this.stream, this.stream),
      } as never,
    );
    this.running = this.running.then(() => list.run().catch(() => undefined));
    this.timer ??= setInterval(() => {
      for (const state of this.items.values()) if (!state.settled) this.draw(state);
    }, REFRESH_MS);
  }

  private track(state: ItemState, task: { title: string; output: string | undefined }): Promise<void> {
    state.task = task;
    for (const line of state.pending.splice(0)) task.output = line;
    this.draw(state);
    return new Promise<void>((resolve, reject) => {
      state.resolve = resolve;
      state.reject = reject;
      if (state.failed || state.elapsedMs !== undefined || state.text.startsWith('Skipped')) this.settle(state);
    });
  }

  /**
   * The title shows the state, the running step and its latest line; finished steps are appended to the task's
   * output once each (listr2 keeps output as a log), so the list under an image grows one line per step.
   */
  private draw(state: ItemState): void {
    if (!state.task) return;
    const now = Date.now();
    const elapsed = state.elapsedMs ?? (state.started !== undefined ? now - state.started : undefined);
    const parts = [`Image ${state.image}`, state.text];
    const running = state.steps[state.steps.length - 1];
    if (running && running.elapsedMs === undefined && state.elapsedMs === undefined) {
      parts.push(`${running.label} ${running.instruction}${state.lastLine ? ` › ${state.lastLine}` : ''}`);
    }
    if (state.layers.size > 0 && state.elapsedMs === undefined) {
      const complete = [...state.layers.values()].filter((s) => /complete|already exists|pushed/i.test(s)).length;
      parts.push(`${complete}/${state.layers.size} layers`);
    }
    if (elapsed !== undefined) parts.push(seconds(elapsed));
    state.task.title = parts.join('  ');
  }

  private log(state: ItemState, line: string): void {
    if (state.task) state.task.output = line;
    else state.pending.push(line);
  }

  private settle(state: ItemState): void {
    if (state.settled || !state.resolve) return;
    state.settled = true;
    if (state.failed) state.reject!(new Error(`Image ${state.image}  ${state.failed}`));
    else state.resolve();
  }

  message(text: string): void {
    this.notes.push(text);
  }

  async close(): Promise<void> {
    // Items that never finished (the run stopped early) end as "Not run" so the list can close.
    await new Promise((r) => setImmediate(r));
    for (const state of this.items.values()) {
      if (state.settled) continue;
      if (!state.resolve) await new Promise((r) => setTimeout(r, 20));
      if (state.task && state.elapsedMs === undefined && !state.failed) state.task.title = `Image ${state.image}  Not run`;
      if (state.resolve) {
        state.settled = true;
        state.resolve();
      }
    }
    await this.running;
    if (this.timer) clearInterval(this.timer);
    for (const note of this.notes) this.stream.write(`${note}\n`);
  }
}

function key(operation: ImageOperation, image: string): string {
  return `${operation}:${image}`;
}
