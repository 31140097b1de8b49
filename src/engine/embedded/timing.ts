/**
 * Optional step timings of the container lifecycle (create, start, stop, remove), for the embedded bench and
 * for diagnosing a slow host. Off unless a sink is installed: then each timed step reports its wall time.
 * Steps may overlap (some run concurrently), so their sum can exceed the operation's total.
 */

export type TimingSink = (step: string, ms: number) => void;

let sink: TimingSink | undefined;

/** Installs (or, with undefined, removes) the receiver of step timings. */
export function setTimingSink(next: TimingSink | undefined): void {
  sink = next;
}

export function timingEnabled(): boolean {
  return sink !== undefined;
}

/** Reports a step measured elsewhere (the supervisor's own phases, say). */
export function reportTiming(step: string, ms: number): void {
  sink?.(step, ms);
}

/** Runs fn and reports its duration under `step` when timings are on; costs nothing otherwise. */
export async function timed<R>(step: string, fn: () => Promise<R>): Promise<R> {
  if (!sink) return fn();
  const began = performance.now();
  try {
    return await fn();
  } finally {
    sink?.(step, performance.now() - began);
  }
}
