import { FlotillaError, ExitCode } from '../errors.js';

/** One line for a person, the stack only with --verbose. */
export function renderError(error: unknown, verbose: boolean): { text: string; exitCode: number } {
  if (error instanceof FlotillaError) {
    const text = verbose && error.stack ? `${error.oneLine()}\n${error.stack}` : error.oneLine();
    return { text, exitCode: error.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? message;
  const stack = error instanceof Error ? error.stack : undefined;
  return { text: verbose && stack ? stack : firstLine, exitCode: ExitCode.Failure };
}
