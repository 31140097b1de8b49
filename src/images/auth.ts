/**
 * Registry credentials, found where the Docker CLI keeps them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`). For a registry host, in Docker's order:
 * 1. `credHelpers[host]`: run `docker-credential-<helper> get` with the server address on stdin;
 * 2. `credsStore`: the same with the default helper;
 * 3. `auths[host]`: base64 `user:password` in `auth` (or `username`/`password`, `identitytoken`).
 * Keys of `auths` are matched by host, whatever their spelling (`https://index.docker.io/v1/`, `http://h:5001`,
 * `h:5001`). A helper that is not installed or does not know the host gives no credentials: the registry then
 * decides (anonymous pulls work, pushes are refused with an AuthError that says so).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAuth } from '../engine/types.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY, parseReference, registryOfAuthKey } from './reference.js';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Runs `docker-credential-<helper> get`; injectable for tests. */
export type HelperRunner = (helper: string, serverAddress: string) => Promise<{ Username?: string; Secret?: string } | undefined>;

const HELPER_TIMEOUT_MS = 20_000;

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfigFile> {
  const path = dockerConfigPath(env);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export class RegistryCredentials {
  private readonly cache = new Map<string, Promise<RegistryAuth | undefined>>();

  constructor(
    private readonly config: DockerConfigFile,
    private readonly runHelper: HelperRunner = runCredentialHelper,
  ) {}

  static async load(env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials> {
    return new RegistryCredentials(await readDockerConfig(env));
  }

  /** Credentials for the registry an image reference lives on. */
  forImage(ref: string): Promise<RegistryAuth | undefined> {
    return this.forRegistry(parseReference(ref).registry);
  }

  /** Credentials for a registry host (`docker.io`, `127.0.0.1:5001`), asked once per host. */
  forRegistry(registry: string): Promise<RegistryAuth | undefined> {
    let found = this.cache.get(registry);
    if (!found) {
      found = this.lookup(registry);
      this.cache.set(registry, found);
    }
    return found;
  }

  /**
   * Credentials for every registry the config knows, keyed as the engine expects for builds (the registries a
   * Dockerfile's FROM lines name are not known before the build runs, so the Docker CLI sends them all too).
   */
  async all(): Promise<Record<string, RegistryAuth>> {
    const hosts = new Set([
      ...Object.keys(this.config.auths ?? {}).map(registryOfAuthKey),
      ...Object.keys(this.config.credHelpers ?? {}).map(registryOfAuthKey),
    ]);
    const result: Record<string, RegistryAuth> = {};
    await Promise.all([...hosts].map(async (host) => {
      const auth = await this.forRegistry(host);
      if (auth) result[serverAddress(host)] = auth;
    }));
    return result;
  }

  private async lookup(registry: string): Promise<RegistryAuth | undefined> {
    const helper = this.helperFor(registry);
    if (helper) {
      const fromHelper = await this.runHelper(helper, serverAddress(registry)).catch(() => undefined);
      if (fromHelper?.Secret) return this.fromHelper(registry, fromHelper.Username ?? '', fromHelper.Secret);
    }
    const entry = this.fileEntry(registry);
    if (!entry) return undefined;
    const auth: RegistryAuth = { serveraddress: serverAddress(registry) };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) throw new Error(`invalid auth for ${registry} in ${'config.json'}: expected base64 of user:password`);
      auth.username = decoded.slice(0, colon);
      auth.password = decoded.slice(colon + 1);
    } else {
      if (entry.username) auth.username = entry.username;
      if (entry.password) auth.password = entry.password;
    }
    if (entry.identitytoken) auth.identityToken = entry.identitytoken;
    return auth.username || auth.identityToken ? auth : undefined;
  }

  private helperFor(registry: string): string | undefined {
    for (const [key, helper] of Object.entries(this.config.credHelpers ?? {})) {
      if (registryOfAuthKey(key) === registry) return helper;
    }
    return this.config.credsStore || undefined;
  }

  private fileEntry(registry: string): AuthEntry | undefined {
    for (const [key, entry] of Object.entries(this.config.auths ?? {})) {
      if (registryOfAuthKey(key) === registry) return entry;
    }
    return undefined;
  }

  private fromHelper(registry: string, username: string, secret: string): RegistryAuth {
    // Helpers return identity tokens (from `docker login` with OAuth) under the user name "<token>".
    return username === '<token>'
      ? { identityToken: secret, serveraddress: serverAddress(registry) }
      : { username, password: secret, serveraddress: serverAddress(registry) };
  }
}

/** The server address Docker uses for a registry: the legacy v1 URL for Docker Hub, the host otherwise. */
export function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
}

/** `docker-credential-<helper> get`: the protocol of docker/docker-credential-helpers. */
export const runCredentialHelper: HelperRunner = (helper, address) =>
  new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: HELPER_TIMEOUT_MS }, (error, stdout) => {
      if (error) {
        // Not installed, or "credentials not found in native keychain": no credentials, not a failure.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || /not found/i.test(stdout)) return resolve(undefined);
        return reject(new Error(`docker-credential-${helper} get failed: ${stdout.trim() || error.message}`));
      }
      try {
        resolve(JSON.parse(stdout) as { Username?: string; Secret?: string });
      } catch {
        reject(new Error(`docker-credential-${helper} get printed no JSON`));
      }
    });
    child.stdin?.end(address);
  });
