/**
 * One small request layer: every call of the engine goes through `json`, `stream` or `hijack`, so that paths, query
 * strings, auth headers, abort signals and error mapping are done one way. Unix, tcp and tls endpoints use
 * node:http (http-dial.ts); ssh endpoints use dockerode's modem, loaded only then.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import type { DockerEndpoint } from './endpoint.js';
import { mapDockerError, type CallSubject } from './error-map.js';
import { httpDial } from './http-dial.js';

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** A request body to stream (a tar archive). */
  file?: Readable;
  contentType?: string;
  /** HTTP statuses that mean success; 200/201/204 when not given. */
  ok?: number[];
  /** Sent as X-Registry-Auth (base64url JSON). */
  auth?: object;
  /** Sent as X-Registry-Config (base64 JSON map of registry → credentials). */
  registryConfig?: object;
  signal?: AbortSignal;
  /** Names the call in error messages: "start container web-1". */
  what: string;
  subject?: CallSubject;
}

interface ModemDialOptions {
  path: string;
  method: string;
  options?: unknown;
  statusCodes: Record<number, boolean | string>;
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
  authconfig?: object;
  registryconfig?: object;
  file?: Readable;
  headers?: Record<string, string>;
  abortSignal?: AbortSignal;
}

interface Modem {
  dial(options: ModemDialOptions, callback: (err: unknown, data: unknown) => void): void;
}

const DEFAULT_OK = [200, 201, 204];

/** A daemon answer, read loosely: only the fields used are looked at, and their shapes vary across API versions. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A name or id as one segment of a request path: names may hold characters that are not path-safe. */
export const pathSegment = (value: string): string => encodeURIComponent(value);

export class DockerTransport {
  private modem?: Promise<Modem>;
  private readonly agent: HttpAgent;

  constructor(readonly endpoint: DockerEndpoint) {
    // Keep-alive pools connections across the many small calls a reconcile makes; idle sockets do not hold the
    // process open (Node unrefs them).
    this.agent =
      endpoint.protocol === 'https'
        ? new HttpsAgent({
            keepAlive: true,
            ca: endpoint.tls?.ca,
            cert: endpoint.tls?.cert,
            key: endpoint.tls?.key,
            rejectUnauthorized: endpoint.tls?.verify ?? true,
          })
        : new HttpAgent({ keepAlive: true });
  }

  /** dockerode's modem, for ssh:// endpoints only. */
  private sshModem(): Promise<Modem> {
    this.modem ??= import('dockerode').then(({ default: Docker }) => {
      const endpoint = this.endpoint;
      // Every key is given, even undefined, because the modem merges its own reading of DOCKER_HOST underneath.
      const options: Record<string, unknown> = {
        host: endpoint.host,
        port: endpoint.port,
        protocol: endpoint.protocol,
        username: endpoint.username,
        pathPrefix: '/',
        timeout: undefined,
      };
      return new Docker(options as never).modem as Modem;
    });
    return this.modem;
  }

  /** A call whose answer is read whole: JSON parsed, or the raw text when it is not JSON. */
  async json<T = unknown>(call: CallOptions): Promise<T> {
    // Read as a stream, not by the modem: it waits for an 'end' that never comes when the connection drops
    // in the middle of a body.
    const res = await this.stream(call);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason ?? err;
      throw this.mapError(err, call.what, call.subject);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** A call whose answer is streamed (logs, events, pull progress, archives). */
  async stream(call: CallOptions): Promise<Readable> {
    const res = (await this.dial(call, { isStream: true })) as Readable;
    if (call.signal) {
      const signal = call.signal;
      const stop = () => res.destroy();
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      res.once('close', () => signal.removeEventListener('abort', stop));
    }
    return res;
  }

  /** A call upgraded to a raw two-way connection (attach, exec start). */
  async hijack(call: CallOptions): Promise<Duplex> {
    const sock = (await this.dial(call, { isStream: true, hijack: true, ok: [101, 200] })) as Duplex;
    if (call.signal) {
      const signal = call.signal;
      const stop = () => sock.destroy();
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      sock.once('close', () => signal.removeEventListener('abort', stop));
    }
    return sock;
  }

  close(): void {
    this.agent.destroy();
  }

  mapError(err: unknown, what: string, subject?: CallSubject): Error {
    return mapDockerError(err, this.endpoint.url, what, subject);
  }

  private dial(call: CallOptions, extra: { isStream?: boolean; hijack?: boolean; ok?: number[] }): Promise<unknown> {
    const statusCodes: Record<number, boolean> = {};
    for (const code of call.ok ?? extra.ok ?? DEFAULT_OK) statusCodes[code] = true;
    // The modem reads `_query` for the query string and `_body` for a POST body when the path ends with "?";
    // an empty `_body` sends no body at all.
    const query: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v === undefined) continue;
      query[k] = typeof v === 'boolean' ? (v ? '1' : '0') : v;
    }
    const options: ModemDialOptions = {
      path: `${call.path}?`,
      method: call.method,
      options: { _query: query, _body: call.body ?? {} },
      statusCodes,
      isStream: extra.isStream,
      hijack: extra.hijack,
      abortSignal: call.signal,
    };
    if (call.auth) options.authconfig = call.auth;
    if (call.registryConfig) options.registryconfig = call.registryConfig;
    if (call.file) {
      options.file = call.file;
      options.headers = { 'Content-Type': call.contentType ?? 'application/x-tar' };
    }
    const fail = (err: unknown) =>
      // An abort asked for by the caller is theirs to recognise, not an engine failure.
      call.signal?.aborted ? (call.signal.reason ?? err) : this.mapError(err, call.what, call.subject);
    if (this.endpoint.protocol !== 'ssh') {
      return httpDial(this.endpoint, this.agent, {
        method: call.method,
        path: call.path,
        query,
        body: call.body,
        file: call.file,
        contentType: call.contentType,
        authconfig: call.auth,
        registryconfig: call.registryConfig,
        ok: call.ok ?? extra.ok ?? DEFAULT_OK,
        hijack: extra.hijack,
        signal: call.signal,
      }).catch((err: unknown) => {
        throw fail(err);
      });
    }
    return this.sshModem().then(
      (modem) =>
        new Promise((resolve, reject) => {
          try {
            modem.dial(options, (err, data) => (err ? reject(fail(err)) : resolve(data)));
          } catch (err) {
            reject(fail(err));
          }
        }),
    );
  }
}
