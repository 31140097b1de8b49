/**
 * A client of the registry distribution protocol (pull side): Basic and Bearer challenges (token fetched
 * with the credentials when given, anonymously otherwise), Accept negotiation (without it registry 2.x
 * down-converts to schema 1), and digest verification of every manifest.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AuthError, EngineError, NotFoundError } from '../../errors.js';
import type { RegistryAuth } from '../../types.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface Manifest {
  body: Buffer;
  mediaType: string;
  digest: string;
}

function registryBase(domain: string): string {
  if (domain === 'docker.io') return 'https://registry-1.docker.io';
  const host = domain.replace(/:\d+$/, '');
  const local = host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  return `${local ? 'http' : 'https'}://${domain}`;
}

/** Parses `Bearer realm="…",service="…",scope="…"` into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

export class RegistryClient {
  private readonly base: string;
  private authorization?: string;

  constructor(
    private readonly domain: string,
    private readonly auth?: RegistryAuth,
  ) {
    this.base = registryBase(domain);
  }

  private basic(): string | undefined {
    if (!this.auth?.username) return undefined;
    return `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password ?? ''}`).toString('base64')}`;
  }

  /** Answers a 401 challenge: Basic with our credentials, or a Bearer token from the realm. */
  private async authenticate(challenge: string, scope: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      const basic = this.basic();
      if (!basic) throw new AuthError(`registry ${this.domain} requires credentials`);
      this.authorization = basic;
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new AuthError(`registry ${this.domain} asks for unsupported authentication: ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? scope);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic) headers.Authorization = basic;
    const response = await fetch(url, { headers });
    if (response.status === 401 || response.status === 403) throw new AuthError(`registry ${this.domain} refused the credentials`);
    if (!response.ok) throw new EngineError(`token request to ${url.host} failed: HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new AuthError(`registry ${this.domain} gave no token`);
    this.authorization = `Bearer ${token}`;
  }

  async get(path: string, repo: string, accept?: string): Promise<Response> {
    const scope = `repository:${repo}:pull`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (accept) headers.Accept = accept;
      if (this.authorization) headers.Authorization = this.authorization;
      const response = await fetch(`${this.base}/v2/${path}`, { headers, redirect: 'follow' });
      if (response.status !== 401) return response;
      await response.body?.cancel();
      if (attempt > 0) throw new AuthError(`registry ${this.domain} refused access to ${repo}`);
      await this.authenticate(response.headers.get('www-authenticate') ?? '', scope);
    }
  }

  async manifest(repo: string, reference: string, displayRef: string): Promise<Manifest> {
    const response = await this.get(`${repo}/manifests/${reference}`, repo, MANIFEST_TYPES.join(', '));
    if (response.status === 404) {
      await response.body?.cancel();
      throw new NotFoundError('image', displayRef, { message: `image ${displayRef} not found in registry ${this.domain}` });
    }
    if (!response.ok) throw new EngineError(`registry ${this.domain}: manifest ${repo}:${reference}: HTTP ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const claimed = response.headers.get('docker-content-digest');
    if ((claimed && claimed !== digest) || (reference.startsWith('sha256:') && reference !== digest)) {
      throw new EngineError(`manifest of ${displayRef} does not match its digest (${claimed ?? reference} vs ${digest})`);
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim() || (JSON.parse(body.toString()) as { mediaType?: string }).mediaType || '';
    return { body, mediaType, digest };
  }

  async blob(repo: string, digest: string): Promise<Readable> {
    const response = await this.get(`${repo}/blobs/${digest}`, repo);
    if (!response.ok || !response.body) throw new EngineError(`registry ${this.domain}: blob ${digest}: HTTP ${response.status}`);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
}
