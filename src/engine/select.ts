/**
 * Choosing the engine: `--engine`, then FLOTILLA_ENGINE, then automatic (Docker when it answers quickly, else
 * the embedded engine). Both implementations are imported only when chosen, so that commands which never touch
 * an engine (`--version`, `config`) do not pay for loading dockerode.
 */
import { EngineUnavailableError, InvalidRequestError } from './errors.js';
import type { Engine } from './types.js';

export type EngineChoice = 'docker' | 'embedded' | 'auto';

export interface CreateEngineOptions {
  engine?: EngineChoice;
  /** Docker endpoint ("unix:///...", "tcp://host:port"); DOCKER_HOST and docker contexts otherwise. */
  dockerHost?: string;
  /** How long `auto` waits for Docker to answer before using the embedded engine. */
  pingTimeoutMs?: number;
  /** Passed to the embedded engine as is. */
  embedded?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

const AUTO_PING_TIMEOUT_MS = 500;
const CHOICES: readonly EngineChoice[] = ['docker', 'embedded', 'auto'];

export function engineChoice(options: CreateEngineOptions): EngineChoice {
  const env = options.env ?? process.env;
  const raw = options.engine ?? (env.FLOTILLA_ENGINE || undefined) ?? 'auto';
  if (!CHOICES.includes(raw as EngineChoice)) {
    throw new InvalidRequestError(`unknown engine "${raw}" (from FLOTILLA_ENGINE): use docker, embedded or auto`);
  }
  return raw as EngineChoice;
}

export async function createEngine(options: CreateEngineOptions = {}): Promise<Engine> {
  const choice = engineChoice(options);
  if (choice === 'embedded') return loadEmbedded(options);
  const { createDockerEngine } = await import('./docker/index.js');
  const docker = createDockerEngine({ dockerHost: options.dockerHost, env: options.env });
  if (choice === 'docker') return docker;

  try {
    await docker.ping(options.pingTimeoutMs ?? AUTO_PING_TIMEOUT_MS);
    return docker;
  } catch (dockerError) {
    await docker.close();
    if (!(dockerError instanceof EngineUnavailableError)) throw dockerError;
    try {
      return await loadEmbedded(options);
    } catch (embeddedError) {
      throw new EngineUnavailableError(
        `${dockerError.message.replace(/\. Use --engine embedded.*$|Use --engine embedded.*$/, '').trim()} ` +
          `and the embedded engine is not available: ${(embeddedError as Error).message}`,
        { cause: dockerError },
      );
    }
  }
}

async function loadEmbedded(options: CreateEngineOptions): Promise<Engine> {
  const { createEmbeddedEngine } = await import('./embedded/index.js');
  return createEmbeddedEngine({ ...(options.embedded ?? {}) });
}
