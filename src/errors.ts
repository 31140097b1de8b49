import type { SourcePosition } from './model/tags.js';

/**
 * Exit codes of Docker Compose that scripts rely on.
 * 14: a compose file is missing; 15: a compose file does not parse or validate; 1: anything else.
 */
export const ExitCode = {
  Failure: 1,
  FileNotFound: 14,
  InvalidFile: 15,
  Interrupted: 130,
} as const;

/**
 * An error meant for a person: one line, the place, what to do.
 * The CLI prints `message` (prefixed by the position when there is one) and exits with `exitCode`.
 */
export class FlotillaError extends Error {
  readonly exitCode: number;
  readonly position?: SourcePosition;
  readonly hint?: string;

  constructor(
    message: string,
    options: { exitCode?: number; position?: SourcePosition; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'FlotillaError';
    this.exitCode = options.exitCode ?? ExitCode.Failure;
    this.position = options.position;
    this.hint = options.hint;
  }

  /** `compose.yaml:12:7: services.web.ports[0]: ... (hint)` */
  oneLine(): string {
    const where = this.position ? `${this.position.file}:${this.position.line}:${this.position.col}: ` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where}${this.message}${hint}`;
  }
}

/** A compose file does not parse or does not validate (exit 15). */
export class InvalidFileError extends FlotillaError {
  constructor(message: string, options: { position?: SourcePosition; hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.InvalidFile });
    this.name = 'InvalidFileError';
  }
}

/** A compose file or another required file is missing (exit 14). */
export class FileNotFoundError extends FlotillaError {
  constructor(message: string, options: { position?: SourcePosition; hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.FileNotFound });
    this.name = 'FileNotFoundError';
  }
}
