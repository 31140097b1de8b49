/**
 * Progress of builds, pulls and pushes on stderr (stdout stays for results). The mode follows `--progress` and
 * COMPOSE_PROGRESS like the other commands' (see ../progress/renderer.ts): a live listr2 view on a terminal,
 * plain lines otherwise, JSON lines for machines, nothing with `quiet` or `-q`.
 */
import type { ImageEvent } from '../../images/events.js';
import { resolveProgressMode, type ProgressMode } from '../progress/renderer.js';

export interface ImageProgressRenderer {
  event(event: ImageEvent): void;
  /** A note that is not about one image (e.g. a warning from the loader). */
  message(text: string): void;
  /** Draws the last frame and releases the terminal. */
  close(): Promise<void>;
}

export interface ImageRendererOptions {
  mode?: ProgressMode;
  /** `-q`: no progress at all. */
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export async function createImageProgressRenderer(options: ImageRendererOptions = {}): Promise<ImageProgressRenderer> {
  const stream = options.stream ?? process.stderr;
  const mode = options.quiet ? 'quiet' : resolveProgressMode({ ...options, stream });
  switch (mode) {
    case 'quiet':
      return { event() {}, message() {}, async close() {} };
    case 'json': {
      const { JsonImageRenderer } = await import('./json.js');
      return new JsonImageRenderer(stream);
    }
    case 'plain': {
      const { PlainImageRenderer } = await import('./plain.js');
      return new PlainImageRenderer(stream);
    }
    case 'tty': {
      const { TtyImageRenderer } = await import('./tty.js');
      return new TtyImageRenderer(stream);
    }
  }
}

/** `0.4s`, as Docker Compose prints durations. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `1.2kB`, `3.4MB`, as BuildKit prints transfer sizes. */
export function size(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)}kB`;
  return `${(bytes / 1_000_000).toFixed(1)}MB`;
}

/** The builder's own lines (layer ids, container housekeeping): not worth showing as step output. */
export function isBuilderChatter(line: string): boolean {
  return /^ ---> |^Removing intermediate container |^Successfully (built|tagged) |^Sending build context/.test(line);
}

/** "[2/5]" or "[web 2/5]" when several images are built in one run. */
export function stepLabel(event: { service: string; step: number; total?: number }, withService: boolean): string {
  const count = `${event.step}${event.total !== undefined ? `/${event.total}` : ''}`;
  return withService ? `[${event.service} ${count}]` : `[${count}]`;
}

/** Past-tense verb of an operation's success, and its -ing form. */
export const VERBS = {
  build: { doing: 'Building', done: 'Built' },
  pull: { doing: 'Pulling', done: 'Pulled' },
  push: { doing: 'Pushing', done: 'Pushed' },
} as const;
