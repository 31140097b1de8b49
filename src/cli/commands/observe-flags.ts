/** Flag parsers shared by the "run and observe" commands (no heavy imports: definitions load at start-up). */
import { InvalidArgumentError, type Command } from 'commander';

/** `--index`: a replica number, 1 or more. */
export function parseIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a replica number, 1 or more');
  return n;
}

/** `--tail`: a number of lines, or "all". */
export function parseTail(value: string): number | undefined {
  if (value === 'all') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a number of lines or "all"');
  return n;
}

/** Repeatable flags: each occurrence appends. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * For commands that end with another command (`exec`, `run`): options after the service name belong to that
 * command (`exec web ls -l`). Commander can only stop parsing there when the program has positional options;
 * without them, unknown options are at least kept as arguments instead of failing.
 */
export function commandTail(command: Command): Command {
  try {
    command.passThroughOptions();
  } catch {
    command.allowUnknownOption();
  }
  return command;
}
