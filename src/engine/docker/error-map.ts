/**
 * Docker's HTTP failures and socket failures turned into the engine's typed errors, so that callers branch on
 * types and people read one clear line.
 */
import {
  AuthError,
  ConflictError,
  EngineError,
  EngineUnavailableError,
  InvalidRequestError,
  NotFoundError,
  type EngineObjectKind,
} from '../errors.js';

/** What a call was about: used to name the object in NotFound/Conflict errors. */
export interface CallSubject {
  kind: EngineObjectKind;
  ref: string;
}

/** The shape of errors docker-modem produces (HTTP status with a JSON body) and of Node socket errors. */
interface RawError extends Error {
  statusCode?: number;
  json?: unknown;
  code?: string;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const LOST_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

const EMBEDDED_HINT = 'Use --engine embedded to run without a daemon';

/** The daemon's own message: docker-modem puts the JSON body in `json`, or folds it into the message of a stream. */
export function daemonMessage(err: RawError): string {
  const json = err.json as { message?: string } | Buffer | string | null | undefined;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof json.message === 'string') {
    return json.message.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  // "(HTTP code 404) unexpected - No such container: x "
  const folded = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(err.message);
  return (folded ? folded[1] : err.message).trim();
}

/** Is this a failure to talk to the daemon at all (as opposed to an answer from it)? */
export function isTransportError(err: unknown): boolean {
  const raw = err as RawError;
  if (!raw || typeof raw !== 'object' || raw.statusCode !== undefined) return false;
  return (
    (raw.code !== undefined && (UNREACHABLE_CODES.has(raw.code) || LOST_CODES.has(raw.code) || raw.code === 'EACCES')) ||
    /socket hang up|timed? ?out/i.test(raw.message ?? '') ||
    raw.name === 'TimeoutError'
  );
}

export function unreachableError(endpoint: string, cause?: unknown): EngineUnavailableError {
  const code = (cause as RawError | undefined)?.code;
  if (code === 'EACCES') {
    return new EngineUnavailableError(
      `cannot reach Docker at ${endpoint}: permission denied on the socket (join the docker group, or ${EMBEDDED_HINT.toLowerCase()})`,
      { cause },
    );
  }
  return new EngineUnavailableError(`cannot reach Docker at ${endpoint}: is dockerd running? ${EMBEDDED_HINT}`, {
    cause,
  });
}

export function transportError(err: RawError, endpoint: string, what: string): EngineUnavailableError {
  if (err.code !== undefined && (UNREACHABLE_CODES.has(err.code) || err.code === 'EACCES')) {
    return unreachableError(endpoint, err);
  }
  const detail = err.name === 'TimeoutError' || /timed? ?out/i.test(err.message) ? 'no answer in time' : err.message;
  return new EngineUnavailableError(`lost the connection to Docker at ${endpoint} during ${what}: ${detail}`, {
    cause: err,
  });
}

const REGISTRY_AUTH = /unauthorized|authentication required|no basic auth credentials|denied|incorrect username or password/i;

/** Maps an error from one call. `what` names the call for messages ("create container web-1"). */
export function mapDockerError(err: unknown, endpoint: string, what: string, subject?: CallSubject): Error {
  if (err instanceof EngineError) return err;
  const raw = (err ?? new Error(String(err))) as RawError;
  if (raw.statusCode === undefined) {
    if (isTransportError(raw)) return transportError(raw, endpoint, what);
    return new EngineError(`${what}: ${raw.message}`, { cause: raw });
  }
  const message = daemonMessage(raw);
  if (REGISTRY_AUTH.test(message) && (subject?.kind === 'image' || /pull|push|build/.test(what))) {
    return new AuthError(`${what}: ${message}`, { cause: raw });
  }
  switch (raw.statusCode) {
    case 404: {
      const found = subjectFromMessage(message) ?? subject ?? { kind: 'engine' as const, ref: what };
      return new NotFoundError(found.kind, found.ref, { message: `${what}: ${message}`, cause: raw });
    }
    case 409:
      return new ConflictError(`${what}: ${message}`, subject?.kind ?? 'engine', subject?.ref ?? '', { cause: raw });
    case 400:
      return new InvalidRequestError(`${what}: ${message}`, { cause: raw });
    case 401:
      return new AuthError(`${what}: ${message}`, { cause: raw });
    case 403:
      // Docker answers 403 for "network has active endpoints" and similar refusals about state.
      return new ConflictError(`${what}: ${message}`, subject?.kind ?? 'engine', subject?.ref ?? '', { cause: raw });
    default:
      return new EngineError(`${what}: ${message}`, { cause: raw });
  }
}

/**
 * The object a 404 is really about: creating a container can fail on its image or one of its networks, and
 * the daemon names which. Returns undefined when the message does not say.
 */
function subjectFromMessage(message: string): CallSubject | undefined {
  let m = /no such image: (\S+)/i.exec(message);
  if (m) return { kind: 'image', ref: m[1] };
  m = /^network (\S+) not found/i.exec(message);
  if (m) return { kind: 'network', ref: m[1] };
  m = /no such container: (\S+)/i.exec(message);
  if (m) return { kind: 'container', ref: m[1] };
  m = /(?:get|no such volume:?) (\S+): no such volume/i.exec(message) ?? /no such volume: (\S+)/i.exec(message);
  if (m) return { kind: 'volume', ref: m[1] };
  m = /no such exec instance: (\S+)/i.exec(message) ?? /no such exec/i.exec(message);
  if (m) return { kind: 'exec', ref: m[1] ?? '' };
  m = /(?:pull access denied for|manifest for) (\S+?)(?:,| not found)/i.exec(message);
  if (m) return { kind: 'image', ref: m[1] };
  return undefined;
}
