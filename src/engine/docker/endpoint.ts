/**
 * Where the Docker engine is: the same resolution order as the docker CLI, kept to the simple cases.
 * An explicit host, then DOCKER_HOST, then DOCKER_CONTEXT, then the current context of the CLI's config file,
 * then the default socket.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequestError } from '../errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerEndpoint {
  /** As a person would write it: "unix:///var/run/docker.sock", "tcp://host:2376". */
  url: string;
  /** Where it came from, for messages: "DOCKER_HOST", "context foo", "default". */
  source: string;
  socketPath?: string;
  protocol: 'http' | 'https' | 'ssh';
  host?: string;
  port?: number;
  username?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean };
}

interface TlsFiles {
  dir: string;
  verify: boolean;
}

export function resolveDockerEndpoint(
  explicitHost?: string,
  env: NodeJS.ProcessEnv = process.env,
): DockerEndpoint {
  const tlsFromEnv = (): TlsFiles | undefined => {
    const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
    if (!verify && !env.DOCKER_CERT_PATH) return undefined;
    return { dir: env.DOCKER_CERT_PATH || dockerConfigDir(env), verify };
  };

  if (explicitHost) return parseDockerHost(explicitHost, 'option', tlsFromEnv());
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST, 'DOCKER_HOST', tlsFromEnv());

  const contextName = env.DOCKER_CONTEXT || currentContextName(env);
  if (contextName && contextName !== 'default') {
    const fromContext = readContext(contextName, env);
    if (fromContext) return fromContext;
    throw new InvalidRequestError(
      `Docker context "${contextName}" not found in ${join(dockerConfigDir(env), 'contexts', 'meta')}`,
    );
  }
  return parseDockerHost(DEFAULT_DOCKER_HOST, 'default', undefined);
}

export function parseDockerHost(raw: string, source: string, tls: TlsFiles | undefined): DockerEndpoint {
  const value = raw.includes('://') ? raw : `tcp://${raw}`;
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length) || '/var/run/docker.sock';
    return { url: `unix://${socketPath}`, source, socketPath, protocol: 'http' };
  }
  if (value.startsWith('npipe://')) {
    const socketPath = value.slice('npipe://'.length) || '//./pipe/docker_engine';
    return { url: value, source, socketPath, protocol: 'http' };
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidRequestError(`invalid Docker host "${raw}" (from ${source}): expected unix:///path or tcp://host:port`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme === 'ssh') {
    return {
      url: value,
      source,
      protocol: 'ssh',
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 22,
      username: parsed.username || undefined,
    };
  }
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https') {
    throw new InvalidRequestError(`unsupported Docker host scheme "${scheme}" in "${raw}" (from ${source})`);
  }
  const port = parsed.port ? Number(parsed.port) : scheme === 'https' ? 2376 : 2375;
  const useTls = scheme === 'https' || tls?.verify === true || port === 2376;
  const endpoint: DockerEndpoint = {
    url: `tcp://${parsed.hostname}:${port}`,
    source,
    protocol: useTls ? 'https' : 'http',
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
  };
  if (useTls && tls) endpoint.tls = { ...readTlsFiles(tls.dir), verify: tls.verify };
  return endpoint;
}

function readTlsFiles(dir: string): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (name: string): Buffer | undefined => {
    const file = join(dir, name);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

function currentContextName(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const config = JSON.parse(readFileSync(join(dockerConfigDir(env), 'config.json'), 'utf8')) as {
      currentContext?: string;
    };
    return config.currentContext || undefined;
  } catch {
    return undefined;
  }
}

/** Contexts live in directories named by the sha256 of the context name (docker/cli's store layout). */
function readContext(name: string, env: NodeJS.ProcessEnv): DockerEndpoint | undefined {
  const digest = createHash('sha256').update(name).digest('hex');
  const base = dockerConfigDir(env);
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(join(base, 'contexts', 'meta', digest, 'meta.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) return undefined;
  const tlsDir = join(base, 'contexts', 'tls', digest, 'docker');
  const tls = existsSync(tlsDir) ? { dir: tlsDir, verify: meta.Endpoints?.docker?.SkipTLSVerify !== true } : undefined;
  return parseDockerHost(host, `context ${name}`, tls);
}
