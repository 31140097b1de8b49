/**
 * The variables a project is loaded with, with Docker Compose's precedence: the process environment always
 * wins; then the env files, which are the --env-file list (or COMPOSE_ENV_FILES), else the `.env` of the
 * project directory unless COMPOSE_DISABLE_ENV_FILE is true. A variable already set is never overwritten, so
 * when the project directory is only known after file discovery, the `.env` read first (from the current
 * directory) wins over the project directory's. COMPOSE_* keys of env files act like environment variables
 * (COMPOSE_FILE, COMPOSE_PROFILES, COMPOSE_PROJECT_NAME ...), as the Docker Compose CLI applies them.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnvFiles } from './dotenv.js';
import { expandUser } from './tree-paths.js';

export type Variables = Record<string, string>;

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'true'].includes(value.trim().toLowerCase());
}

/**
 * The env files to read: the explicit ones (made absolute against `cwd`), else COMPOSE_ENV_FILES, else the
 * project directory's `.env` when it exists and is not disabled.
 */
export function envFilesFor(
  explicit: readonly string[] | undefined,
  env: Readonly<Variables>,
  workingDir: string,
  cwd: string,
): string[] {
  if (explicit && explicit.length > 0) return explicit.map((f) => resolve(cwd, expandUser(f)));
  const fromEnv = env.COMPOSE_ENV_FILES;
  if (fromEnv) {
    return fromEnv
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
      .map((f) => resolve(cwd, expandUser(f)));
  }
  if (isTrue(env.COMPOSE_DISABLE_ENV_FILE)) return [];
  const dotEnv = resolve(workingDir, '.env');
  return existsSync(dotEnv) && statSync(dotEnv).isFile() ? [dotEnv] : [];
}

/** Reads env files in order (later ones win among themselves); `${VAR}` looks at `env` first. */
export function readVariables(files: readonly string[], env: Readonly<Variables>): Variables {
  if (files.length === 0) return {};
  const lookup = (key: string) => (Object.hasOwn(env, key) ? env[key] : undefined);
  return { ...readEnvFiles(files, lookup) };
}

/** `base` plus the keys of `extra` it does not have. */
export function mergeMissing(base: Readonly<Variables>, extra: Readonly<Variables>): Variables {
  const out: Variables = { ...base };
  for (const [key, value] of Object.entries(extra)) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

/** The COMPOSE_* keys of `extra` that `base` does not set, added to it (what the CLI does before any command). */
export function applyComposeKeys(base: Readonly<Variables>, extra: Readonly<Variables>): Variables {
  const out: Variables = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (key.startsWith('COMPOSE_') && !Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

/** Only the defined values of an environment such as process.env. */
export function definedVariables(env: Readonly<Record<string, string | undefined>>): Variables {
  const out: Variables = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
