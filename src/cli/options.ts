import type { Command } from 'commander';

/** Flags every command accepts, as Docker Compose's global flags. */
export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  engine?: 'auto' | 'docker' | 'embedded';
  parallel?: number;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'quiet' | 'none';
  ansi?: 'never' | 'always' | 'auto';
  dryRun?: boolean;
  compatibility?: boolean;
  verbose?: boolean;
}

/** The global flags merged with the command's own, as commander collected them. */
export function commandOptions<T extends object>(command: Command): GlobalOptions & T {
  return command.optsWithGlobals() as GlobalOptions & T;
}
