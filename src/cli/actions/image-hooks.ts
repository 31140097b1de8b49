/**
 * Progress of the pulls and builds `up`/`create` do before planning, in the `--progress` mode of the rest of the
 * command. The renderer is made at the first image event only, so an `up` with nothing to pull or build loads none
 * of it; it is closed (its last frame drawn) before the plan's own progress starts.
 */
import type { UpOptions } from '../../api/options.js';
import type { ImageProgressRenderer } from '../image-progress/renderer.js';
import type { GlobalOptions } from '../options.js';

export interface ImageProgress {
  hooks: Pick<UpOptions, 'onImageEvent' | 'onImagesDone'>;
  /** Releases the renderer if one was made (idempotent). */
  close(): Promise<void>;
}

export function imageProgress(globals: GlobalOptions, quiet: boolean | undefined): ImageProgress {
  let renderer: Promise<ImageProgressRenderer> | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= renderer ? renderer.then((r) => r.close()) : Promise.resolve();
    return closed;
  };
  return {
    hooks: {
      onImageEvent: (event) => {
        renderer ??= import('../image-progress/renderer.js').then(({ createImageProgressRenderer }) =>
          createImageProgressRenderer({ ...(globals.progress ? { mode: globals.progress } : {}), quiet: quiet === true }));
        // events keep their order: each waits for the same promise
        void renderer.then((r) => r.event(event));
      },
      onImagesDone: close,
    },
    close,
  };
}
