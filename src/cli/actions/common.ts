/**
 * What every action shares: global flags → API options, the progress renderer, Ctrl-C handling and the summary
 * of an execution that stopped early.
 */
import type { ProjectOptions, LockingOptions } from '../../api/options.js';
import { ExecutionError } from '../../reconcile/execute.js';
import { planProgressLines } from '../../reconcile/events.js';
import type { GlobalOptions } from '../options.js';
import { createProgressRenderer, type ProgressRenderer } from '../progress/renderer.js';

export function projectOptions(globals: GlobalOptions): ProjectOptions {
  return {
    files: globals.file.length > 0 ? globals.file : undefined,
    projectName: globals.projectName,
    projectDirectory: globals.projectDirectory,
    envFiles: globals.envFile.length > 0 ? globals.envFile : undefined,
    profiles: globals.profile.length > 0 ? globals.profile : undefined,
    engine: globals.engine,
    parallel: globals.parallel,
    compatibility: globals.compatibility,
  };
}

/**
 * Runs a changing command with progress and Ctrl-C handling: the first Ctrl-C stops scheduling (calls in flight
 * finish, exit 130), a second one exits at once.
 */
export async function withProgress<T>(
  globals: GlobalOptions,
  work: (hooks: Required<Pick<ProjectOptions, 'signal' | 'onEvent' | 'onWarning'>> & Pick<LockingOptions, 'onPlan' | 'onLockWait'>) => Promise<T>,
): Promise<T> {
  const renderer: ProgressRenderer = await createProgressRenderer({ mode: globals.progress });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    renderer.message('Gracefully stopping... (press Ctrl+C again to force)');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failure: unknown;
  try {
    return await work({
      signal: controller.signal,
      onEvent: (event) => renderer.event(event),
      onWarning: (message) => renderer.message(`WARN ${message}`),
      onPlan: (plan) => renderer.start(planProgressLines(plan)),
      onLockWait: (holder) =>
        renderer.message(`waiting for another flotilla process (pid ${holder.pid}${holder.command ? `, ${holder.command}` : ''}) to finish with this project`),
    });
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await renderer.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (failure instanceof ExecutionError) {
      const r = failure.result;
      const total = r.completed.length + r.failed.length + r.notRun.length;
      process.stderr.write(`${r.completed.length} of ${total} operations done, ${r.notRun.length} not run; `
        + 'running the command again continues from there\n');
    }
  }
}
