import type { Command } from 'commander';

/**
 * Every command's definition (name, arguments, flags). Definitions import nothing heavy: each action imports its
 * implementation when it runs.
 */
const definitions: Array<(program: Command) => void> = [];

export function registerCommands(program: Command): void {
  for (const define of definitions) define(program);
}
