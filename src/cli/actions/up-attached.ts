/**
 * Attached `up` on the terminal: the progress of the plan, then the attached services' output prefixed and coloured
 * per container (as `logs -f`), `<name> exited with code N` lines, and Ctrl-C: the first stops the services
 * (`Gracefully stopping... (press Ctrl+C again to force)`), the second kills them, a third exits at once.
 */
import type { AttachedUpOptions } from '../../api/attached-up.js';
import { ExecutionError } from '../../reconcile/execute.js';
import { planProgressLines } from '../../reconcile/events.js';
import type { GlobalOptions } from '../options.js';
import { createProgressRenderer, resolveProgressMode, type ProgressRenderer } from '../progress/renderer.js';
import { LogPrinter } from './logs.js';
import { useColor } from './output.js';
import { imageProgress } from './image-hooks.js';
import { applyOptions, type ApplyFlags } from './up.js';

export async function runAttachedUp(services: string[], flags: GlobalOptions & ApplyFlags): Promise<void> {
  const { upAttached } = await import('../../api/attached-up.js');
  const color = useColor(flags, process.stdout, flags.color === false);
  const printer = new LogPrinter({ color, prefix: flags.logPrefix !== false, timestamps: flags.timestamps === true });
  // Lines of the printer are batched: flush them before writing anything else to stdout, to keep the order.
  const say = (text: string): void => {
    void printer.end();
    process.stdout.write(`${text}\n`);
  };

  let renderer: ProgressRenderer = await createProgressRenderer({ mode: flags.progress });
  const images = imageProgress(flags, flags.quietPull);
  const interrupt = new AbortController();
  const force = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) interrupt.abort(new Error('interrupted'));
    else if (interrupts === 2) force.abort(new Error('killed'));
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let attaching = false;
  const options: AttachedUpOptions = {
    ...applyOptions(services, flags),
    ...images.hooks,
    attach: flags.attach,
    noAttach: flags.noAttach,
    attachDependencies: flags.attachDependencies,
    ...(flags.abortOnContainerFailure ? { abortOn: 'failure' as const } : flags.abortOnContainerExit ? { abortOn: 'exit' as const } : {}),
    exitCodeFrom: flags.exitCodeFrom,
    timestamps: flags.timestamps,
    signal: interrupt.signal,
    forceSignal: force.signal,
    onEvent: (event) => renderer.event(event),
    onWarning: (message) => renderer.message(`WARN ${message}`),
    onPlan: (plan) => renderer.start(planProgressLines(plan)),
    onLockWait: (holder) => renderer.message(
      `waiting for another flotilla process (pid ${holder.pid}${holder.command ? `, ${holder.command}` : ''}) to finish with this project`),
    onContainer: (source) => printer.add(source),
    onContainerExit: (exit) => say(paint(color, `${exit.displayName} exited with code ${exit.exitCode}`)),
    onStatus: (message) => {
      if (message.startsWith('Attaching to ')) {
        // the plan's live view ends where the output begins; stops and kills print plain lines below it
        if (!attaching) void switchToPlainProgress();
        attaching = true;
        say(message);
        return;
      }
      void printer.end();
      renderer.message(message);
    },
  };

  let failure: unknown;
  try {
    const result = await upAttached(options, (line) => printer.print(line));
    process.exitCode = result.exitCode;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await printer.end();
    await images.close();
    await renderer.close();
    if (failure instanceof ExecutionError) {
      const r = failure.result;
      const total = r.completed.length + r.failed.length + r.notRun.length;
      process.stderr.write(`${r.completed.length} of ${total} operations done, ${r.notRun.length} not run; `
        + 'running the command again continues from there\n');
    }
  }

  async function switchToPlainProgress(): Promise<void> {
    const previous = renderer;
    const mode = resolveProgressMode({ ...(flags.progress ? { mode: flags.progress } : {}) });
    const { PlainRenderer } = await import('../progress/plain.js');
    renderer = mode === 'tty' ? new PlainRenderer(process.stderr) : previous;
    if (renderer !== previous) await previous.close();
  }
}

/** Docker Compose prints the exit line in the default colour, bold-free: keep it plain unless colours are on. */
function paint(color: boolean, text: string): string {
  return color ? `\u001b[1m${text}\u001b[0m` : text;
}
