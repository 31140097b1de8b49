import { InvalidArgumentError } from 'commander';

/** Repeatable flags: each occurrence appends. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of seconds, 0 or more');
  return n;
}
