/**
 * Which compose files a command uses when none is given with -f: COMPOSE_FILE (split on
 * COMPOSE_PATH_SEPARATOR), else the first of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml in
 * the directory or its nearest parent that has one, plus the first override file of that same directory.
 */
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { FileNotFoundError } from '../errors.js';

export const DEFAULT_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

/** The files of COMPOSE_FILE, made absolute against `cwd`; undefined when the variable is not set. */
export function composeFileFromEnv(env: Readonly<Record<string, string>>, cwd: string): string[] | undefined {
  const value = env.COMPOSE_FILE;
  if (value === undefined || value === '') return undefined;
  const separator = env.COMPOSE_PATH_SEPARATOR || delimiter;
  return value
    .split(separator)
    .filter((f) => f !== '')
    .map((f) => {
      if (f === '-') return f;
      const path = resolve(cwd, f);
      if (!existsSync(path)) {
        throw new FileNotFoundError(`COMPOSE_FILE: open ${path}: no such file or directory`, {
          hint: 'fix COMPOSE_FILE (in the environment or .env)',
        });
      }
      return path;
    });
}

/** Looks for the default file names in `start` and its parents; [] when none is found. */
export function findDefaultComposeFiles(start: string, warn: (message: string) => void = () => {}): string[] {
  let dir = resolve(start);
  for (;;) {
    const candidates = present(DEFAULT_FILE_NAMES, dir);
    if (candidates.length > 0) {
      const winner = candidates[0] as string;
      if (candidates.length > 1) {
        warn(`Found multiple config files with supported names: ${candidates.join(', ')}`);
        warn(`Using ${winner}`);
      }
      const overrides = present(DEFAULT_OVERRIDE_FILE_NAMES, dir);
      if (overrides.length > 1) {
        warn(`Found multiple override files with supported names: ${overrides.join(', ')}`);
        warn(`Using ${overrides[0]}`);
      }
      return overrides.length > 0 ? [winner, overrides[0] as string] : [winner];
    }
    const parent = dirname(dir);
    if (parent === dir) return [];
    dir = parent;
  }
}

function present(names: string[], dir: string): string[] {
  return names.map((n) => join(dir, n)).filter((f) => existsSync(f) && statSync(f).isFile());
}
