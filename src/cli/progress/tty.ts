/**
 * The live view on a terminal: one listr2 line per resource (container, network, volume), showing its latest
 * state and the time it took, like Docker Compose's. Lines are known from the plan before the first event; each
 * one ends when all its steps finished (done, failed, skipped), or at close() as "not run".
 */
import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import type { ExecutionEvent, ProgressLine } from '../../reconcile/events.js';
import { formatSeconds, type ProgressRenderer } from './renderer.js';

interface LineState {
  resource: string;
  steps: number;
  finished: number;
  failed?: string;
  started?: number;
  text: string;
  task?: { title: string };
  resolve?: () => void;
  reject?: (error: Error) => void;
  settled: boolean;
}

export class TtyRenderer implements ProgressRenderer {
  private readonly lines = new Map<string, LineState>();
  private running?: Promise<unknown>;
  private readonly notes: string[] = [];

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(announced: ProgressLine[]): void {
    if (this.running) return;
    // lines that finished before the plan was announced (e.g. "Running" for untouched containers) come first
    const early = [...this.lines.keys()].filter((r) => !announced.some((l) => l.resource === r));
    const lines = [...early.map((resource) => ({ resource, steps: 1 })), ...announced];
    if (lines.length === 0) return;
    for (const line of announced) this.lines.set(line.resource, { resource: line.resource, steps: line.steps, finished: 0, text: 'Waiting', settled: false });
    const list = new Listr(
      lines.map((line) => ({
        title: line.resource,
        task: (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => this.track(line.resource, task),
      })),
      {
        concurrent: true,
        exitOnError: false,
        renderer: 'default',
        // progress goes to stderr, as Docker Compose's does: stdout stays for results
        rendererOptions: {
          collapseErrors: false,
          formatOutput: 'truncate',
          logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(this.stream, this.stream) }),
        },
        registerSignalListeners: false,
      } as never,
    );
    this.running = list.run().catch(() => undefined);
  }

  private track(resource: string, task: { title: string }): Promise<void> {
    const state = this.lines.get(resource)!;
    state.task = task;
    this.draw(resource);
    return new Promise<void>((resolve, reject) => {
      state.resolve = resolve;
      state.reject = reject;
      this.settleIfDone(state);
    });
  }

  event(event: ExecutionEvent): void {
    let state = this.lines.get(event.resource);
    if (!state && !this.running && event.state !== 'working') {
      state = { resource: event.resource, steps: 1, finished: 0, text: event.text, settled: false };
      this.lines.set(event.resource, state);
    }
    if (!state) return; // not announced by the plan
    if (event.state === 'working') {
      state.started ??= event.time;
      state.text = event.text;
    } else {
      state.finished++;
      state.text = event.text;
      if (event.state === 'failed') state.failed = event.error ?? 'failed';
      if (event.state === 'warning' || event.state === 'skipped') state.text = `${event.text}  ${event.error ?? ''}`.trim();
    }
    if (state.started === undefined) state.started = event.time - (event.elapsedMs ?? 0);
    this.draw(event.resource);
    this.settleIfDone(state);
  }

  private draw(resource: string): void {
    const state = this.lines.get(resource)!;
    if (!state.task) return;
    const elapsed = state.started !== undefined ? `  ${formatSeconds(Date.now() - state.started)}` : '';
    state.task.title = `${resource}  ${state.text}${elapsed}`;
  }

  private settleIfDone(state: LineState, force?: string): void {
    if (state.settled || !state.resolve) return;
    if (state.failed) {
      state.settled = true;
      state.reject!(new Error(`${state.task?.title ?? ''}  ${state.failed}`));
    } else if (state.finished >= state.steps) {
      state.settled = true;
      state.resolve();
    } else if (force) {
      state.settled = true;
      if (state.task) state.task.title = `${state.resource}  ${force}`;
      state.resolve();
    }
  }

  message(text: string): void {
    // a live view owns the terminal: notes are printed once it has finished
    if (this.running) this.notes.push(text);
    else this.stream.write(`${text}\n`);
  }

  async close(): Promise<void> {
    // tasks may not have been picked up yet by listr when the execution ends: give them a tick
    await new Promise((r) => setImmediate(r));
    for (const state of this.lines.values()) {
      if (!state.resolve) await new Promise((r) => setTimeout(r, 20));
      this.settleIfDone(state, 'Not run');
    }
    await this.running;
    for (const note of this.notes) this.stream.write(`${note}\n`);
  }
}
