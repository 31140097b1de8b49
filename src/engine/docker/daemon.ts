/** Questions to the daemon itself: is it there, what is it, which API version does it speak. */
import { EngineUnavailableError } from '../errors.js';
import type { EngineInfo } from '../types.js';
import { unreachableError } from './error-map.js';
import type { DockerTransport, Json } from './transport.js';

/** A plain ping is patient; `createEngine({ engine: 'auto' })` passes its own short timeout. */
export const DEFAULT_PING_TIMEOUT_MS = 5000;

export async function pingDaemon(api: DockerTransport, timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
  const url = api.endpoint.url;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await api.json({ method: 'GET', path: '/_ping', what: 'ping', signal });
  } catch (err) {
    if (signal.aborted) {
      throw new EngineUnavailableError(
        `cannot reach Docker at ${url}: no answer within ${timeoutMs} ms. Use --engine embedded to run without a daemon`,
        { cause: err },
      );
    }
    if (err instanceof EngineUnavailableError) throw unreachableError(url, err.cause);
    throw err;
  }
}

export async function daemonInfo(api: DockerTransport): Promise<EngineInfo> {
  const [version, info] = await Promise.all([
    api.json<Json>({ method: 'GET', path: '/version', what: 'version' }),
    api.json<Json>({ method: 'GET', path: '/info', what: 'info' }),
  ]);
  return {
    kind: 'docker',
    version: version.Version ?? '',
    apiVersion: version.ApiVersion,
    os: version.Os ?? info.OSType ?? '',
    arch: version.Arch ?? info.Architecture ?? '',
    endpoint: api.endpoint.url,
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
  };
}

/** The API version the daemon speaks ("1.41" when it does not say). */
export async function daemonApiVersion(api: DockerTransport): Promise<string> {
  const version = await api.json<Json>({ method: 'GET', path: '/version', what: 'version' });
  return String(version.ApiVersion ?? '1.41');
}
