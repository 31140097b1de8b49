/**
 * `include`: each item loads other compose files as an independent model (its own project directory and
 * `.env`, the parent's variables winning) and imports its services, networks, volumes, secrets, configs and
 * models. A resource also defined locally is merged with the local definition acting as an override, as the
 * reference does since late 2025 (the spec text still says "warning, no merge").
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { FlotillaError, InvalidFileError } from '../errors.js';
import { readEnvFiles } from './dotenv.js';
import { mergeDocuments } from './merge.js';
import { isMapping } from './tree-canonical.js';
import { fileDir, goJoin, goRel } from './go-path.js';
import type { ConfigFile, Env, LoadContext, ModelOptions } from './loader-context.js';
import type { Scope } from './loader.js';

type Mapping = Record<string, unknown>;
type LoadModel = (
  files: ConfigFile[],
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  included: string[],
) => Mapping;

const IMPORTED = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

export function applyInclude(
  model: Mapping,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  included: string[],
  loadModel: LoadModel,
): void {
  const raw = model.include;
  if (raw === undefined || raw === null) return;
  const position = context.locator.locate(['include']);
  if (!Array.isArray(raw)) throw new InvalidFileError('`include` must be a list', { position });
  raw.forEach((item, index) => {
    const config = typeof item === 'string' ? { path: item } : item;
    if (!isMapping(config)) {
      throw new InvalidFileError(`include[${index}] must be a path or a mapping`, { position });
    }
    includeOne(config, index, model, scope, context, options, included, loadModel);
  });
  delete model.include;
}

function includeOne(
  config: Mapping,
  index: number,
  model: Mapping,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  included: string[],
  loadModel: LoadModel,
): void {
  const position = context.locator.locate(['include', index]);
  const paths = stringList(config.path);
  if (paths.length === 0) throw new InvalidFileError(`include[${index}].path is required`, { position });
  options.onEvent?.('include', { path: paths, workingdir: scope.workingDir });

  const declaredDir = typeof config.project_directory === 'string' ? config.project_directory : '';
  // absolute, so that the included load reads them wherever its own directory is
  const files = paths.map((p) => goJoin(context.cwd, goJoin(scope.loaderDir, p)));
  const main = files[0] as string;
  let relWorkingDir: string;
  let projectDirectory: string;
  if (declaredDir === '') {
    projectDirectory = fileDir(scope.loaderDir, paths[0] as string);
    relWorkingDir = goRel(scope.loaderDir, projectDirectory, context.cwd);
  } else if (!isAbsolute(declaredDir)) {
    relWorkingDir = goRel(scope.loaderDir, goJoin(scope.loaderDir, declaredDir), context.cwd);
    projectDirectory = goJoin(scope.workingDir, declaredDir);
  } else {
    relWorkingDir = declaredDir;
    projectDirectory = declaredDir;
  }
  if (included.includes(main)) {
    const chain = [...included, main];
    throw new FlotillaError(`include cycle detected: ${chain.join(' includes ')}`, {
      position,
      hint: 'a file must not include itself, directly or through other files',
    });
  }

  const envFiles = includeEnvFiles(config.env_file, scope, projectDirectory, context, position);
  const lookup = (key: string): string | undefined => (Object.hasOwn(scope.env, key) ? scope.env[key] : undefined);
  const fromFiles = readEnvFiles(envFiles.map((f) => goJoin(context.cwd, f)), lookup);
  const env: Env = { ...fromFiles, ...scope.env };

  const includeOptions: ModelOptions = {
    ...options,
    resolvePaths: true,
    skipNormalization: true,
    skipConsistencyCheck: true,
  };
  const includeScope: Scope = { loaderDir: projectDirectory, workingDir: relWorkingDir, env };
  const imported = loadModel(
    files.map((filename) => ({ filename })),
    includeScope,
    context,
    includeOptions,
    included,
  );
  importResources(imported, model);
}

function includeEnvFiles(
  value: unknown,
  scope: Scope,
  projectDirectory: string,
  context: LoadContext,
  position: ReturnType<LoadContext['locator']['locate']>,
): string[] {
  const declared = stringList(value);
  if (declared.length === 0) {
    const dotEnv = goJoin(projectDirectory, '.env');
    const absolute = goJoin(context.cwd, dotEnv);
    return existsSync(absolute) && statSync(absolute).isFile() ? [dotEnv] : [];
  }
  const files: string[] = [];
  for (const file of declared) {
    if (file === '/dev/null') continue;
    const path = isAbsolute(file) ? file : goJoin(scope.workingDir, file);
    const absolute = goJoin(context.cwd, path);
    if (!existsSync(absolute)) {
      throw new FlotillaError(`env file ${absolute} not found`, { position, hint: 'fix the include env_file path' });
    }
    if (statSync(absolute).isDirectory()) throw new FlotillaError(`${absolute} is not a file`, { position });
    files.push(path);
  }
  return files;
}

/** Adds the included resources to the model; a local definition of the same name overrides the imported one. */
function importResources(source: Mapping, target: Mapping): void {
  for (const key of IMPORTED) {
    const from = source[key];
    if (!isMapping(from)) continue;
    const to: Mapping = isMapping(target[key]) ? (target[key] as Mapping) : {};
    for (const [name, definition] of Object.entries(from)) {
      if (!Object.hasOwn(to, name)) {
        to[name] = definition;
        continue;
      }
      const merged = mergeDocuments({ [key]: { [name]: definition } }, { [key]: { [name]: to[name] } }) as Mapping;
      to[name] = (merged[key] as Mapping)[name];
    }
    target[key] = to;
  }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
