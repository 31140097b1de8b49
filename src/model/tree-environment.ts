/**
 * Values the reference takes from the variables while the model is still a tree (ResolveEnvironment): a bare
 * `- NAME` in a list-form `environment` gets the variable's value when it is set, and secrets and configs
 * declared with `environment:` get their content. Done per loaded model, so an included file resolves with its
 * own variables.
 */
import { isMapping } from './tree-canonical.js';
import type { Env } from './loader-context.js';

type Mapping = Record<string, unknown>;

export function resolveTreeEnvironment(dict: Mapping, env: Env): void {
  const has = (key: string) => Object.hasOwn(env, key);
  if (isMapping(dict.services)) {
    for (const service of Object.values(dict.services)) {
      if (!isMapping(service) || !Array.isArray(service.environment)) continue;
      service.environment = service.environment.map((entry) =>
        typeof entry === 'string' && !entry.includes('=') && has(entry) ? `${entry}=${env[entry]}` : entry,
      );
    }
  }
  for (const kind of ['secrets', 'configs']) {
    const resources = dict[kind];
    if (!isMapping(resources)) continue;
    for (const resource of Object.values(resources)) {
      if (isMapping(resource) && typeof resource.environment === 'string' && has(resource.environment)) {
        resource.content = env[resource.environment];
      }
    }
  }
}
