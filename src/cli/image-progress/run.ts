/**
 * What the build, pull and push actions share: the progress renderer, Ctrl-C (the first stops the operations in
 * flight and exits 130, a second exits at once), and for a failed build the failing step's last lines of output
 * on stderr, before the one-line error the CLI prints.
 */
import { ExitCode, FlotillaError } from '../../errors.js';
import { ImageBuildError } from '../../images/errors.js';
import type { ImageEventListener } from '../../images/events.js';
import type { GlobalOptions } from '../options.js';
import { createImageProgressRenderer } from './renderer.js';

export interface ImageHooks {
  onImageEvent: ImageEventListener;
  onWarning: (message: string) => void;
  signal: AbortSignal;
}

export async function withImageProgress<T>(globals: GlobalOptions, quiet: boolean | undefined,
  work: (hooks: ImageHooks) => Promise<T>): Promise<T> {
  const renderer = await createImageProgressRenderer({ ...(globals.progress ? { mode: globals.progress } : {}), quiet: quiet === true });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.Interrupted);
    renderer.message('Gracefully stopping... (press Ctrl+C again to force)');
    controller.abort(new FlotillaError('canceled', { exitCode: ExitCode.Interrupted }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failure: unknown;
  try {
    return await work({
      onImageEvent: (event) => renderer.event(event),
      onWarning: (message) => renderer.message(`WARN ${message}`),
      signal: controller.signal,
    });
  } catch (error) {
    failure = controller.signal.aborted ? controller.signal.reason : error;
    throw failure;
  } finally {
    await renderer.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (failure instanceof ImageBuildError && failure.lastLines.length > 0 && globals.progress !== 'json') {
      const step = failure.failedStep;
      const header = step ? `step ${step.step}${step.total ? `/${step.total}` : ''} ${step.instruction}` : `the build of ${failure.service}`;
      process.stderr.write(`last output of ${header}:\n${failure.lastLines.map((l) => `  > ${l}`).join('\n')}\n`);
    }
  }
}
