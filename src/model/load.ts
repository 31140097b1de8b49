/**
 * `loadProject`: a compose project as the CLI's global flags describe it. Decides the files (-f, COMPOSE_FILE,
 * discovery), the project directory, the variables (process environment, env files, .env) and the project name
 * (-p, COMPOSE_PROJECT_NAME, `name:`, the directory), then runs the loader (loader.ts).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { FileNotFoundError } from '../errors.js';
import type { Project } from './types.js';
import { loadModel, loadRawModel, type ConfigFile } from './loader.js';
import { composeFileFromEnv, findDefaultComposeFiles } from './discovery.js';
import {
  applyComposeKeys, definedVariables, envFilesFor, mergeMissing, readVariables, type Variables,
} from './project-env.js';
import { invalidProjectNameError, normalizeProjectName } from './project-name.js';

/** What to load and how: files, project name and directory, env files, profiles, the environment, selected services, and stages to skip. */
export interface LoadOptions {
  /** -f: compose files, in order ("-" reads standard input). Empty: COMPOSE_FILE, else discovery. */
  files?: string[];
  /** -p */
  projectName?: string;
  /** --project-directory (default: the directory of the first file). */
  projectDirectory?: string;
  /** --env-file (default: COMPOSE_ENV_FILES, else the project directory's .env). */
  envFiles?: string[];
  /** --profile (default: COMPOSE_PROFILES). */
  profiles?: string[];
  /** The process environment (default: process.env). It wins over every env file. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Alias of `environment`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Services named on the command line: enabled with their profiles. */
  services?: string[];
  /** The current directory (default: process.cwd()). */
  cwd?: string;
  /** Content of the file "-" (default: read from standard input). */
  stdin?: string;
  /** Read env files (.env, --env-file) at all (default true). */
  envFilesEnabled?: boolean;
  skipInterpolation?: boolean;
  skipNormalization?: boolean;
  skipConsistency?: boolean;
  skipPathResolution?: boolean;
  skipValidation?: boolean;
  /** Keep `environment` as written (no env_file contents, bare names unresolved). */
  skipEnvResolution?: boolean;
  /** Drop `env_file` once its contents are in `environment`, as Docker Compose does (default true). */
  discardEnvFiles?: boolean;
  /** Receives each warning once (unset variables, obsolete `version`, several default files ...). */
  warnings?: (message: string) => void;
  /** Alias of `warnings`. */
  onWarning?: (message: string) => void;
}

/** What the options resolve to before any compose file is parsed. */
export interface PreparedLoad {
  files: string[];
  workingDir: string;
  /** The variables of the project: process environment, then env files. */
  environment: Variables;
  envFiles: string[];
  projectName: string;
  projectNameImperativelySet: boolean;
  profiles: string[];
}

/** Loads compose files into a Project: discovery, environment, interpolation, include, extends, merge, validation, canonical form, profiles and consistency checks. */
export async function loadProject(options: LoadOptions = {}): Promise<Project> {
  return loadProjectSync(options);
}

export function loadProjectSync(options: LoadOptions = {}): Project {
  const prepared = prepareLoad(options);
  requireFiles(prepared);
  const cwd = options.cwd ?? process.cwd();
  const configFiles = configFilesOf(prepared, options);
  return loadModel(
    { workingDir: prepared.workingDir, configFiles, environment: prepared.environment },
    {
      cwd,
      projectName: prepared.projectName,
      projectNameImperativelySet: prepared.projectNameImperativelySet,
      profiles: prepared.profiles,
      selectedServices: options.services,
      skipInterpolation: options.skipInterpolation,
      skipNormalization: options.skipNormalization,
      skipConsistencyCheck: options.skipConsistency,
      skipValidation: options.skipValidation,
      resolvePaths: !options.skipPathResolution,
      skipResolveEnvironment: options.skipEnvResolution,
      discardEnvFiles: options.discardEnvFiles ?? true,
      warnings: options.warnings ?? options.onWarning,
    },
  );
}

/** The merged tree as written, variables not substituted (what `config --variables` lists from). */
export function loadRawProjectModel(options: LoadOptions = {}): Record<string, unknown> {
  const prepared = prepareLoad(options);
  requireFiles(prepared);
  return loadRawModel(
    { workingDir: prepared.workingDir, configFiles: configFilesOf(prepared, options), environment: prepared.environment },
    { cwd: options.cwd ?? process.cwd(), skipInterpolation: true, skipValidation: true, resolvePaths: false },
  );
}

function requireFiles(prepared: PreparedLoad): void {
  if (prepared.files.length > 0) return;
  throw new FileNotFoundError('no configuration file provided: not found', {
    hint: 'create compose.yaml here or pass -f <file>',
  });
}

function configFilesOf(prepared: PreparedLoad, options: LoadOptions): ConfigFile[] {
  return prepared.files.map((file): ConfigFile =>
    file === '-' ? { filename: '-', content: options.stdin ?? readFileSync(0, 'utf8') } : { filename: file },
  );
}

/**
 * Files, directory, variables, name and profiles from the options (no compose file is parsed for content).
 * `files` is empty when none was given or found; loading then fails.
 */
export function prepareLoad(options: LoadOptions = {}): PreparedLoad {
  const cwd = options.cwd ?? process.cwd();
  const warn = options.warnings ?? options.onWarning ?? (() => {});
  const useEnvFiles = options.envFilesEnabled ?? true;
  const explicitName = options.projectName ?? '';
  if (explicitName !== '' && normalizeProjectName(explicitName) !== explicitName) {
    throw invalidProjectNameError(explicitName);
  }
  const projectDirectory = options.projectDirectory ? resolve(cwd, options.projectDirectory) : undefined;
  const given = (options.files ?? []).map((f) => (f === '-' ? f : resolve(cwd, f)));

  let env = definedVariables(options.environment ?? options.env ?? process.env);
  const firstDir = (files: string[]) => {
    const first = files.find((f) => f !== '-');
    return first ? dirname(first) : cwd;
  };
  let workingDir = projectDirectory ?? firstDir(given);
  let envFiles: string[] = [];
  if (useEnvFiles) {
    envFiles = envFilesFor(options.envFiles, env, workingDir, cwd);
    const fromFiles = readVariables(envFiles, env);
    env = mergeMissing(applyComposeKeys(env, fromFiles), fromFiles);
  }

  let files = given;
  if (files.length === 0) files = composeFileFromEnv(env, cwd) ?? [];
  if (files.length === 0) files = findDefaultComposeFiles(projectDirectory ?? cwd, warn);
  const finalDir = projectDirectory ?? firstDir(files);
  if (finalDir !== workingDir) {
    workingDir = finalDir;
    if (useEnvFiles) {
      const more = envFilesFor(options.envFiles, env, workingDir, cwd);
      env = mergeMissing(env, readVariables(more, env));
      envFiles = [...new Set([...envFiles, ...more])];
    }
  }

  let projectName = explicitName;
  let imperative = projectName !== '';
  if (!imperative && env.COMPOSE_PROJECT_NAME) {
    projectName = env.COMPOSE_PROJECT_NAME;
    imperative = true;
  }
  if (!imperative && !filesDeclareName(files, options.stdin)) {
    projectName = normalizeProjectName(basename(workingDir));
  }

  const profiles =
    options.profiles && options.profiles.length > 0
      ? [...options.profiles]
      : (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');

  return { files, workingDir, environment: env, envFiles, projectName, projectNameImperativelySet: imperative, profiles };
}

/**
 * Whether some file sets a non-empty top-level `name:` (then the loader takes the name from the files). A look
 * at the text is enough here: the loader parses the files and reads the attribute itself.
 */
function filesDeclareName(files: string[], stdin: string | undefined): boolean {
  const named = /^name[ \t]*:[ \t]*(?!(?:""|''|~|null)?[ \t]*(?:#.*)?$)\S/m;
  for (const file of files) {
    try {
      if (named.test(file === '-' ? (stdin ?? '') : readFileSync(file, 'utf8'))) return true;
    } catch {
      // reported by the load itself
    }
  }
  return false;
}
