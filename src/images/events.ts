/**
 * Progress of builds, pulls and pushes, as typed events. Each one names the service and the image it is about,
 * carries its time (ms since the epoch) and is self-contained, so renderers stay stateless where they can and
 * `--progress json` prints the events as they are.
 */

export type ImageOperation = 'build' | 'pull' | 'push';

interface Base {
  operation: ImageOperation;
  /** The first service the image is for (an image shared by services is pulled or built once). */
  service: string;
  image: string;
  time: number;
}

export type ImageEvent =
  /** What this run will do, before it starts (lets a live view draw every line at once). */
  | { type: 'queued'; operation: ImageOperation; items: Array<{ service: string; image: string; reason?: string }>; time: number }
  | (Base & { type: 'started' })
  /** The build context was sent. */
  | (Base & { type: 'context'; files: number; bytes: number; elapsedMs: number })
  /** A build step began; `cached` when the builder reused a layer. */
  | (Base & { type: 'step'; step: number; total?: number; instruction: string; cached: boolean })
  /** A build step finished (the next one began, or the build ended). */
  | (Base & { type: 'step-done'; step: number; total?: number; instruction: string; cached: boolean; elapsedMs: number })
  /** A line of build output; `step` is the step that printed it. */
  | (Base & { type: 'output'; step?: number; line: string })
  /** Pull or push progress of one layer. */
  | (Base & { type: 'layer'; layer: string; status: string; current?: number; total?: number })
  | (Base & { type: 'status'; message: string })
  | (Base & { type: 'done'; elapsedMs: number; imageId?: string; digest?: string })
  | (Base & { type: 'skipped'; reason: string })
  | (Base & { type: 'warning'; message: string })
  | (Base & {
      type: 'failed';
      elapsedMs: number;
      error: string;
      /** Build: the step that failed, and its last lines of output. */
      step?: number;
      total?: number;
      instruction?: string;
      lastLines?: string[];
    });

export type ImageEventListener = (event: ImageEvent) => void;

/** Removes the keys of T that are always the same for one item (operation, service, image, time). */
export type ImageEventBody = ImageEvent extends infer E ? E extends Base ? Omit<E, keyof Base> : never : never;

/** An emitter bound to one item, which fills in what every event of that item repeats. */
export function itemEmitter(listener: ImageEventListener | undefined, operation: ImageOperation, service: string, image: string):
  (body: ImageEventBody) => void {
  if (!listener) return () => undefined;
  return (body) => listener({ ...body, operation, service, image, time: Date.now() } as ImageEvent);
}
