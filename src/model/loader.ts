/**
 * The loader proper (the reference's LoadWithContext): compose files → merged, validated, canonical tree →
 * typed Project. Per file: parse, interpolate, include, extends, merge onto the files before it, de-duplicate,
 * validate, canonical syntax. Then defaults, paths, normalization, the typed model, profiles, consistency and
 * the services' environment. File discovery, env files and project-name precedence are the CLI layer's
 * (load.ts); this layer takes them as given.
 */
import { readFileSync } from 'node:fs';
import { FileNotFoundError, FlotillaError, InvalidFileError } from '../errors.js';
import type { Project } from './types.js';
import type { TreePath } from './tags.js';
import { formatPath, parseComposeYaml } from './yaml.js';
import { interpolateTree } from './interpolate.js';
import { enforceUnicity, mergeDocuments } from './merge.js';
import { normalizeTree } from './normalize.js';
import { canonicalizeTree, isMapping, setTreeDefaults, TreeValueError } from './tree-canonical.js';
import { resolveTreePaths } from './tree-paths.js';
import { fixOctalModes } from './octal-modes.js';
import { SourceLocator } from './source-locator.js';
import { goJoin } from './go-path.js';
import { applyExtends, ExtendsTracker } from './extends.js';
import { applyInclude } from './include.js';
import { checkSchema } from './schema-check.js';
import { resolveTreeEnvironment } from './tree-environment.js';
import { buildProject } from './to-model.js';
import { applyProfiles, enableServices } from './profiles.js';
import { checkConsistency } from './consistency.js';
import { resolveServicesEnvironment } from './service-environment.js';
import { normalizeProjectName, invalidProjectNameError } from './project-name.js';
import type { ConfigDetails, ConfigFile, Env, LoadContext, ModelOptions } from './loader-context.js';

export type { ConfigDetails, ConfigFile, ModelOptions } from './loader-context.js';

type Mapping = Record<string, unknown>;

/** Where a file's relative references are read from (`loaderDir`) and resolved to in the tree (`workingDir`). */
export interface Scope {
  loaderDir: string;
  workingDir: string;
  env: Env;
}

/** Loads a project from files whose directory, environment and name are already known. */
export function loadModel(details: ConfigDetails, options: ModelOptions = {}): Project {
  const context = newContext(options);
  const { dict, name, environment } = loadModelTree(details, context);
  return modelToProject(dict, name, { ...details, environment }, context);
}

/**
 * The merged tree before any typed conversion (files parsed, tags applied, include and extends resolved,
 * merged, canonical syntax): what `config --variables` inspects and the reference's raw model stage.
 */
export function loadRawModel(details: ConfigDetails, options: ModelOptions = {}): Mapping {
  const context = newContext(options);
  const files = details.configFiles.map((file) => withContent(file, context));
  const scope: Scope = { loaderDir: details.workingDir, workingDir: details.workingDir, env: details.environment };
  return loadYamlModel(files, scope, context, options, []);
}

export function newContext(options: ModelOptions): LoadContext {
  const seen = new Set<string>();
  const parsed = new Map<string, { text: string; documents: ReturnType<typeof parseComposeYaml> }>();
  return {
    options,
    parse(text: string, filename: string) {
      const cached = parsed.get(filename);
      if (cached && cached.text === text) return cached.documents;
      const documents = parseComposeYaml(text, filename);
      parsed.set(filename, { text, documents });
      return documents;
    },
    cwd: options.cwd ?? process.cwd(),
    locator: new SourceLocator(),
    warn(message: string) {
      if (seen.has(message)) return;
      seen.add(message);
      options.warnings?.(message);
    },
  };
}

/** The merged, normalized tree (what `config --no-consistency` and the raw model stage work on). */
export function loadModelTree(
  details: ConfigDetails,
  context: LoadContext,
): { dict: Mapping; name: string; environment: Env } {
  const { options } = context;
  if (details.configFiles.length === 0) throw new FileNotFoundError('no compose file specified');
  const files = details.configFiles.map((file) => withContent(file, context));
  const name = resolveProjectName(files, details.environment, options, context);
  const environment: Env = { ...details.environment, COMPOSE_PROJECT_NAME: name };

  const scope: Scope = { loaderDir: details.workingDir, workingDir: details.workingDir, env: environment };
  let dict = loadYamlModel(files, scope, context, options, []);
  if (Object.keys(dict).length === 0) {
    const file = files[files.length - 1]?.filename ?? '';
    throw new InvalidFileError('empty compose file', {
      position: { file, line: 1, col: 1 },
      hint: 'declare at least one service under `services:`',
    });
  }
  if (!options.skipValidation && name === '') {
    throw new FlotillaError('project name must not be empty', {
      hint: 'set `name:` in the file, use -p, or COMPOSE_PROJECT_NAME',
    });
  }
  if (!options.skipNormalization) dict = normalizeTree(dict, environment, name) as Mapping;
  return { dict, name, environment };
}

/** The typed project from the final tree: model, profiles, consistency, services' environment. */
export function modelToProject(dict: Mapping, name: string, details: ConfigDetails, context: LoadContext): Project {
  const { options } = context;
  const locate = (path: TreePath) => context.locator.locate(path);
  let project = buildProject(dict, {
    name,
    workingDir: details.workingDir,
    environment: details.environment,
    locate,
  });
  project.compose_files = details.configFiles.map((f) => f.filename);
  project = applyProfiles(project, options.profiles ?? []);
  if (!options.skipConsistencyCheck) checkConsistency(project, locate);
  if (options.selectedServices && options.selectedServices.length > 0) {
    project = enableServices(project, options.selectedServices);
  }
  if (!options.skipResolveEnvironment) {
    resolveServicesEnvironment(project, { discardEnvFiles: options.discardEnvFiles ?? false, cwd: context.cwd });
  }
  return project;
}

/** Loads files in order onto one tree (the reference's loadYamlModel). */
export function loadYamlModel(
  files: ConfigFile[],
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  included: string[],
): Mapping {
  let dict: Mapping = {};
  for (const file of files) {
    dict = loadYamlFile(file, scope, context, options, new ExtendsTracker(), dict, included);
  }
  if (!options.skipDefaultValues) setTreeDefaults(dict);
  if (options.resolvePaths ?? true) {
    guardTree(() => resolveTreePaths(dict, scope.workingDir), [], context);
  }
  resolveTreeEnvironment(dict, scope.env);
  return dict;
}

/** One file (every `---` document of it) merged onto `dict`. */
export function loadYamlFile(
  file: ConfigFile,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  tracker: ExtendsTracker,
  dict: Mapping,
  included: string[],
): Mapping {
  // callers pass paths already resolved against their directory; relative ones are relative to cwd
  const text = file.content ?? readComposeFile(file.filename, context.cwd);
  const lookup = (key: string): string | undefined => (Object.hasOwn(scope.env, key) ? scope.env[key] : undefined);
  for (const document of context.parse(text, file.filename)) {
    context.locator.add(document.sourceMap);
    let config = document.value;
    if (!isMapping(config)) {
      throw new InvalidFileError('top-level object must be a mapping', {
        position: document.sourceMap.positionOf([]),
        hint: 'a compose file starts with keys such as `services:`',
      });
    }
    fixOctalModes(config, text, document.sourceMap);
    if (!options.skipInterpolation) {
      const result = interpolateTree(config, lookup, { sourceMap: document.sourceMap });
      for (const warning of result.warnings) context.warn(warning);
      config = result.value as Mapping;
    }
    const current = config as Mapping;
    if (!options.skipInclude) {
      const self = goJoin(context.cwd, file.filename);
      applyInclude(current, scope, context, options, [...included, self], loadYamlModel);
    }
    if (!options.skipExtends) {
      applyExtends(current, file.filename, scope, context, options, tracker, loadYamlFile);
    }
    if (options.keepTags) {
      // the base of an `extends` keeps its !reset/!override tags for the merge with the extending service
      dict = Object.keys(dict).length === 0 ? current : guard(() => mergeDocuments(dict, current) as Mapping, []);
    } else {
      dict = guardTree(() => enforceUnicity(mergeDocuments(dict, current)) as Mapping, [], context, current);
    }
    if (!options.skipValidation) {
      checkSchema(dict, file.filename, context);
      if ('version' in dict) {
        context.warn(`${file.filename}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
        delete dict.version;
      }
    }
    dict = options.keepTags
      ? guard(() => canonicalizeTree(dict), [])
      : guard(() => enforceUnicity(canonicalizeTree(dict)) as Mapping, []);
  }
  return dict;

  function guard<T>(run: () => T, path: TreePath): T {
    return guardTree(run, path, context);
  }
}

/** Runs a tree stage, turning its plain errors into one-line errors placed in the files. */
export function guardTree<T>(run: () => T, path: TreePath, context: LoadContext, tree?: unknown): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof FlotillaError && !error.position && tree !== undefined) {
      // a value the merge could not parse: point at the place in the files where it is written
      const spec = /^invalid spec: (.*): [^:]+$/.exec(error.message)?.[1];
      const where = spec !== undefined ? findString(tree, spec, []) : undefined;
      if (where) {
        throw new InvalidFileError(`${formatPath(where)}: ${error.message}`, {
          position: context.locator.locate(where),
          hint: error.hint,
          cause: error,
        });
      }
    }
    if (error instanceof FlotillaError) throw error;
    const where = error instanceof TreeValueError ? error.path : path;
    const message = error instanceof Error ? error.message : String(error);
    const prefix = where.length > 0 ? `${formatTreePath(where)}: ` : '';
    throw new InvalidFileError(`${prefix}${message}`, { position: context.locator.locate(where), cause: error });
  }
}

function findString(node: unknown, text: string, path: Array<string | number>): TreePath | undefined {
  if (node === text) return path;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = findString(node[i], text, [...path, i]);
      if (found) return found;
    }
  } else if (isMapping(node)) {
    for (const [key, value] of Object.entries(node)) {
      const found = findString(value, text, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

export function formatTreePath(path: TreePath): string {
  return formatPath(path);
}

export function readComposeFile(path: string, cwd: string): string {
  const absolute = goJoin(cwd, path);
  try {
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FileNotFoundError(`open ${absolute}: no such file or directory`, { cause: error });
    }
    if (code === 'EISDIR') throw new FlotillaError(`read ${absolute}: is a directory`, { cause: error });
    throw new FlotillaError(`cannot read ${absolute}: ${(error as Error).message}`, { cause: error });
  }
}

/** Main files are named relative to the current directory (not the project's), as the reference reads them. */
function withContent(file: ConfigFile, context: LoadContext): ConfigFile {
  if (file.content !== undefined) return file;
  return { filename: file.filename, content: readComposeFile(file.filename, context.cwd) };
}

/**
 * The project name as the loader decides it: the caller's when imperatively set (and valid), else the last
 * `name:` of the files (interpolated, normalized), else the caller's suggestion.
 */
function resolveProjectName(files: ConfigFile[], env: Env, options: ModelOptions, context: LoadContext): string {
  const given = options.projectName ?? '';
  if (options.projectNameImperativelySet) {
    if (normalizeProjectName(given) !== given) throw invalidProjectNameError(given);
    return given;
  }
  let fromFiles = '';
  for (const file of files) {
    try {
      for (const document of context.parse(file.content ?? '', file.filename)) {
        const value = isMapping(document.value) ? document.value.name : undefined;
        if (typeof value === 'string' && value !== '') fromFiles = value;
      }
    } catch {
      // a broken file is reported with its position by the full load
    }
  }
  if (!options.skipInterpolation && fromFiles !== '') {
    const lookup = (key: string): string | undefined => (Object.hasOwn(env, key) ? env[key] : undefined);
    const interpolated = interpolateTree({ name: fromFiles }, lookup, { casts: [] }).value as Mapping;
    fromFiles = String(interpolated.name ?? '');
  }
  if (!options.skipNormalization) fromFiles = normalizeProjectName(fromFiles);
  return fromFiles !== '' ? fromFiles : given;
}
