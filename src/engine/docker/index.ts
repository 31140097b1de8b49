/** The Docker engine: `createDockerEngine()` resolves the endpoint the way the docker CLI does. */
import { DockerEngine } from './engine.js';
import { resolveDockerEndpoint } from './endpoint.js';

export { DockerEngine } from './engine.js';
export { resolveDockerEndpoint, parseDockerHost, DEFAULT_DOCKER_HOST, type DockerEndpoint } from './endpoint.js';

export interface DockerEngineOptions {
  /** "unix:///path", "tcp://host:port", ... ; DOCKER_HOST, DOCKER_CONTEXT and the CLI's current context otherwise. */
  dockerHost?: string;
  env?: NodeJS.ProcessEnv;
}

export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  return new DockerEngine(resolveDockerEndpoint(options.dockerHost, options.env ?? process.env));
}
