import type { Command } from 'commander';

/** Flags every command accepts, as Docker Compose's global flags. */
export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  engine?: 'auto' | 'docker' | 'embedded';
  dataRoot?: string;
  parallel?: number;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'quiet' | 'none';
  ansi?: 'never' | 'always' | 'auto';
  dryRun?: boolean;
  compatibility?: boolean;
  verbose?: boolean;
}

/** The global flags merged with the command's own, as commander collected them. */
export function commandOptions<T extends object>(command: Command): GlobalOptions & T {
  // Outermost first, so a flag given after the command (or the command's own flag of that name) wins.
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) {
    for (const [key, value] of Object.entries(c.opts())) if (value !== undefined) merged[key] = value;
  }
  merged.file ??= [];
  merged.envFile ??= [];
  merged.profile ??= [];
  return merged as GlobalOptions & T;
}
