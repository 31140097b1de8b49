/**
 * Errors of the image operations, each one line for a person with the service it is about and what to do.
 */
import { FlotillaError } from '../errors.js';

/** A build section asks for something wrong or something this engine's builder cannot do. Raised before any build. */
export class ImageBuildConfigError extends FlotillaError {
  constructor(message: string, hint?: string) {
    super(message, hint !== undefined ? { hint } : {});
    this.name = 'ImageBuildConfigError';
  }
}

/** A build ran and failed: which service, which step, the step's exit code and its last lines of output. */
export class ImageBuildError extends FlotillaError {
  constructor(
    readonly service: string,
    readonly image: string,
    readonly detail: string,
    readonly failedStep?: { step: number; total?: number; instruction: string },
    /** The exit code of the failing RUN, when the builder said. */
    readonly stepExitCode?: number,
    /** The failing step's last lines of output, oldest first. */
    readonly lastLines: string[] = [],
    options: { cause?: unknown } = {},
  ) {
    const where = failedStep ? ` at step ${failedStep.step}${failedStep.total ? `/${failedStep.total}` : ''} (${failedStep.instruction})` : '';
    super(`service "${service}" failed to build${where}: ${detail}`, { cause: options.cause });
    this.name = 'ImageBuildError';
  }
}

/** Pulls or pushes failed; each failure is listed with its image. */
export class ImageTransferError extends FlotillaError {
  constructor(
    readonly operation: 'pull' | 'push',
    readonly failures: Array<{ image: string; service: string; error: Error }>,
  ) {
    const list = failures.map((f) => `${f.image}: ${f.error.message.split('\n')[0]}`).join('; ');
    super(`${operation} failed for ${failures.length === 1 ? '' : `${failures.length} images: `}${list}`, {
      cause: failures[0]?.error,
      ...(failures.some((f) => f.error.name === 'AuthError') ? { hint: 'check the registry credentials (docker login)' } : {}),
    });
    this.name = 'ImageTransferError';
  }
}

/** A service's image is missing and its policy or the flags forbid pulling and building it. */
export class ImageUnavailableError extends FlotillaError {
  constructor(readonly service: string, readonly image: string, reason: string) {
    super(`service "${service}" cannot get image ${image}: ${reason}`);
    this.name = 'ImageUnavailableError';
  }
}
