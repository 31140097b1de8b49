/**
 * Requests to the Docker API over node:http, for unix sockets, tcp and tls endpoints. docker-modem (under
 * dockerode) loads ssh2 and its stream polyfills at import, about 200 ms on every command; this path costs a few
 * milliseconds, so dockerode's modem is loaded only for ssh:// endpoints. Errors have the modem's shape
 * (`statusCode`, `json`), which error-map.ts reads.
 */
import { request as httpRequest, type Agent, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import type { DockerEndpoint } from './endpoint.js';

export interface DialRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** JSON body; undefined or an empty object sends none. */
  body?: unknown;
  file?: Readable;
  contentType?: string;
  authconfig?: object;
  registryconfig?: object;
  ok: number[];
  hijack?: boolean;
  signal?: AbortSignal;
}

interface HttpError extends Error {
  statusCode?: number;
  json?: unknown;
}

export function httpDial(endpoint: DockerEndpoint, agent: Agent, req: DialRequest): Promise<Readable | Duplex> {
  const headers: Record<string, string> = {};
  let payload: Buffer | undefined;
  if (req.file) {
    headers['Content-Type'] = req.contentType ?? 'application/x-tar';
  } else if (req.body !== undefined && !isEmptyObject(req.body)) {
    payload = Buffer.from(JSON.stringify(req.body));
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  if (req.authconfig) headers['X-Registry-Auth'] = base64url(JSON.stringify(req.authconfig));
  if (req.registryconfig) headers['X-Registry-Config'] = Buffer.from(JSON.stringify(req.registryconfig)).toString('base64');
  if (req.hijack) {
    headers.Connection = 'Upgrade';
    headers.Upgrade = 'tcp';
  }
  const options: RequestOptions = {
    method: req.method,
    path: `${req.path}${queryString(req.query)}`,
    headers,
    agent: req.hijack ? false : agent,
    signal: req.signal,
  };
  if (endpoint.socketPath) options.socketPath = endpoint.socketPath;
  else {
    options.host = endpoint.host;
    options.port = endpoint.port;
  }
  const send = endpoint.protocol === 'https' ? httpsRequest : httpRequest;
  if (endpoint.protocol === 'https') {
    Object.assign(options, {
      ca: endpoint.tls?.ca,
      cert: endpoint.tls?.cert,
      key: endpoint.tls?.key,
      rejectUnauthorized: endpoint.tls?.verify ?? true,
    });
  }

  return new Promise((resolve, reject) => {
    const request = send(options);
    request.on('error', reject);
    request.on('upgrade', (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (req.ok.includes(status)) {
        resolve(res);
        return;
      }
      readError(res, status).then(reject, reject);
    });
    if (req.file) {
      req.file.on('error', (err) => request.destroy(err));
      req.file.pipe(request);
    } else {
      request.end(payload);
    }
  });
}

async function readError(res: IncomingMessage, status: number): Promise<HttpError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // plain-text answers keep their text
  }
  const message = typeof json === 'object' && json !== null && 'message' in json ? String(json.message) : text;
  const error: HttpError = new Error(`(HTTP code ${status}) unexpected - ${message.trim()}`);
  error.statusCode = status;
  error.json = json;
  return error;
}

/** As the modem encodes it: objects as JSON (filters), arrays as repeated keys. */
function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
