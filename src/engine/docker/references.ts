/** Image references and registry credentials as the Docker API wants them. */
import type { RegistryAuth } from '../types.js';

/** "repo/name:tag" → { repository: "repo/name", tag: "tag" }; a port in the registry host is not a tag. */
export function splitReference(ref: string): { repository: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at !== -1) return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref };
}

/** Docker pulls every tag of a repository when none is named; compose means ":latest". */
export function withDefaultTag(ref: string): string {
  return splitReference(ref).tag === undefined ? `${ref}:latest` : ref;
}

/** The JSON Docker expects in X-Registry-Auth. */
export function registryAuthBody(auth: RegistryAuth): Record<string, string> {
  const body: Record<string, string> = {};
  if (auth.username !== undefined) body.username = auth.username;
  if (auth.password !== undefined) body.password = auth.password;
  if (auth.identityToken !== undefined) body.identitytoken = auth.identityToken;
  if (auth.serveraddress !== undefined) body.serveraddress = auth.serveraddress;
  return body;
}

/** X-Registry-Config for builds: registry host → credentials. */
export function registryConfigBody(auth: Record<string, RegistryAuth>): Record<string, Record<string, string>> {
  const body: Record<string, Record<string, string>> = {};
  for (const [registry, credentials] of Object.entries(auth)) {
    body[registry] = { serveraddress: registry, ...registryAuthBody(credentials) };
  }
  return body;
}
