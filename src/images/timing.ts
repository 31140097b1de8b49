/**
 * Where a build's time goes, for diagnosing a slow host and for the build bench: with FLOTILLA_TIMING=1 each phase
 * of `build` (project loaded, engine open, context walked, image built) is printed to stderr with the milliseconds
 * since the process started. Off, it costs one comparison per phase.
 */
const enabled = process.env.FLOTILLA_TIMING === '1';

export function timingMark(phase: string): void {
  if (enabled) process.stderr.write(`flotilla timing: ${performance.now().toFixed(1).padStart(7)} ms  ${phase}\n`);
}
