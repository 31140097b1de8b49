import { FlotillaError } from '../errors.js';

/** What kind of engine object an error is about. */
export type EngineObjectKind = 'container' | 'image' | 'network' | 'volume' | 'exec' | 'engine';

/** Base of every error an Engine implementation raises, so callers branch on types, never on messages. */
export class EngineError extends FlotillaError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'EngineError';
  }
}

/** The object does not exist (a container, an image, a network, a volume). */
export class NotFoundError extends EngineError {
  constructor(
    readonly kind: EngineObjectKind,
    readonly ref: string,
    options: { message?: string; cause?: unknown } = {},
  ) {
    super(options.message ?? `${kind} ${ref} not found`, { cause: options.cause });
    this.name = 'NotFoundError';
  }
}

/** The request clashes with the engine's state: a name in use, an object still in use, a port taken. */
export class ConflictError extends EngineError {
  constructor(
    message: string,
    readonly kind: EngineObjectKind,
    readonly ref: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** The engine cannot be reached, or stopped answering mid-call. */
export class EngineUnavailableError extends EngineError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'EngineUnavailableError';
  }
}

/** The engine refused the request as invalid (bad parameter, unsupported option). */
export class InvalidRequestError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'InvalidRequestError';
  }
}

/** The registry refused our credentials, or asked for some we do not have. */
export class AuthError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AuthError';
  }
}

/** The operation is not available on this engine (e.g. a build feature the embedded engine lacks). */
export class UnsupportedError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}
