/**
 * Errors of test stacks. A failed start names the service that failed and carries its last log lines, because
 * "container exited (1)" alone sends everyone to `docker logs` on a CI runner that no longer exists.
 */
import { FlotillaError } from '../errors.js';

/** Any failure of the Stack API that is not an engine or compose-file error. */
export class StackError extends FlotillaError {
  constructor(message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options);
    this.name = 'StackError';
  }
}

/** Why a service failed to become ready. */
export type ServiceFailure = 'exited' | 'unhealthy' | 'removed' | 'dependency';

/**
 * A service exited, turned unhealthy or was removed while the stack was starting (or a `depends_on` condition on it
 * failed). `logs` holds its last lines; the message repeats them so that a test runner's report shows them as is.
 */
export class ServiceNotReadyError extends StackError {
  constructor(
    /** The service that failed. */
    readonly service: string,
    /** Its container (engine name). */
    readonly container: string,
    readonly failure: ServiceFailure,
    /** What was wrong, e.g. `container p-db-1 is unhealthy`. */
    readonly reason: string,
    /** The container's last log lines, oldest first (may be empty). */
    readonly logs: string[],
    options: { exitCode?: number; healthOutput?: string; cause?: unknown } = {},
  ) {
    super(notReadyMessage(service, reason, logs, options.healthOutput), { cause: options.cause });
    this.name = 'ServiceNotReadyError';
    this.containerExitCode = options.exitCode;
    this.healthOutput = options.healthOutput;
  }

  /** The container's exit code, when it exited. */
  readonly containerExitCode?: number;
  /** The output of the last failed health check, when it turned unhealthy. */
  readonly healthOutput?: string;
}

/** The stack was not ready within `timeoutMs`. `pending` says which containers were still waited for and why. */
export class StackTimeoutError extends StackError {
  constructor(
    readonly timeoutMs: number,
    readonly pending: Array<{ service: string; container: string; state: string; logs: string[] }>,
  ) {
    super(timeoutMessage(timeoutMs, pending), { hint: 'raise timeoutMs, or look at the log lines above' });
    this.name = 'StackTimeoutError';
  }
}

/** The detached reaper could not be started, so an ephemeral stack would not be cleaned up after a crash. */
export class ReaperUnavailableError extends StackError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ReaperUnavailableError';
  }
}

function notReadyMessage(service: string, reason: string, logs: string[], healthOutput?: string): string {
  const lines = [`service "${service}" failed to start: ${reason}`];
  if (healthOutput) lines.push(`last health check output: ${healthOutput.trim()}`);
  lines.push(logs.length > 0 ? `last ${logs.length} log lines of ${service}:` : `${service} wrote no log lines`);
  for (const line of logs) lines.push(`  | ${line}`);
  return lines.join('\n');
}

function timeoutMessage(timeoutMs: number, pending: StackTimeoutError['pending']): string {
  const lines = [`stack not ready after ${Math.round(timeoutMs / 100) / 10}s: waiting for ${pending.map((p) => p.service).join(', ')}`];
  for (const p of pending) {
    lines.push(`${p.container} (${p.state})${p.logs.length > 0 ? ', last log lines:' : ''}`);
    for (const line of p.logs) lines.push(`  | ${line}`);
  }
  return lines.join('\n');
}
