/**
 * Progress renderers: they turn execution events into output on stderr (stdout stays for results, like Docker
 * Compose). `auto` is the live listr2 view on a terminal, plain lines otherwise (pipes, CI=true).
 */
import type { ExecutionEvent, ProgressLine } from '../../reconcile/events.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet' | 'none';

export interface ProgressRenderer {
  /** The lines to expect; a live renderer draws them at once. Called at most once, before the events. */
  start(lines: ProgressLine[]): void;
  event(event: ExecutionEvent): void;
  /** A note that is not about one resource (e.g. a warning). */
  message(text: string): void;
  /** Draws the last frame; resources that never finished are shown as not run. */
  close(): Promise<void>;
}

export interface RendererOptions {
  mode?: ProgressMode;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** `--progress`, else COMPOSE_PROGRESS, else auto: tty on a terminal unless CI=true, plain otherwise. */
export function resolveProgressMode(options: RendererOptions = {}): Exclude<ProgressMode, 'auto' | 'none'> {
  const env = options.env ?? process.env;
  const stream = options.stream ?? process.stderr;
  const asked = options.mode ?? (env.COMPOSE_PROGRESS as ProgressMode | undefined) ?? 'auto';
  if (asked === 'none') return 'quiet';
  if (asked !== 'auto') return asked;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return stream.isTTY && !ci ? 'tty' : 'plain';
}

export async function createProgressRenderer(options: RendererOptions = {}): Promise<ProgressRenderer> {
  const stream = options.stream ?? process.stderr;
  switch (resolveProgressMode(options)) {
    case 'quiet':
      return { start() {}, event() {}, message() {}, async close() {} };
    case 'json': {
      const { JsonRenderer } = await import('./json.js');
      return new JsonRenderer(stream);
    }
    case 'plain': {
      const { PlainRenderer } = await import('./plain.js');
      return new PlainRenderer(stream);
    }
    case 'tty': {
      const { TtyRenderer } = await import('./tty.js');
      return new TtyRenderer(stream);
    }
  }
}

/** `0.4s`, as Docker Compose prints durations. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `Container demo-web-1  Started  0.4s` (the text Docker Compose's plain mode prints, plus the step's time). */
export function eventLine(event: ExecutionEvent): string {
  const parts = [event.resource, event.text];
  if (event.elapsedMs !== undefined && event.state !== 'working') parts.push(formatSeconds(event.elapsedMs));
  if (event.error) parts.push(event.error);
  return parts.join('  ');
}
