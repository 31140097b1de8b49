/**
 * `extends`: a service starts from another one (same file, or another file) and the local definition is merged
 * onto it with the multi-file merge rules. A base from another file is read raw (no include, no validation, no
 * defaults) and its relative paths are resolved against its own directory first. Services the base refers to
 * (depends_on, volumes_from, ...) are not brought along: the extending file must define them.
 */
import { FileNotFoundError, FlotillaError, InvalidFileError } from '../errors.js';
import { mergeServiceDefinitions } from './merge.js';
import { isMapping } from './tree-canonical.js';
import { resolveTreePaths } from './tree-paths.js';
import { fileDir, goJoin, goRel } from './go-path.js';
import type { ConfigFile, LoadContext, ModelOptions } from './loader-context.js';
import type { Scope } from './loader.js';

type Mapping = Record<string, unknown>;

type LoadFile = (
  file: ConfigFile,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  tracker: ExtendsTracker,
  dict: Mapping,
  included: string[],
) => Mapping;

/** The chain of `extends` being resolved, to report a cycle instead of recursing forever. */
export class ExtendsTracker {
  constructor(private readonly chain: ReadonlyArray<{ file: string; service: string }> = []) {}

  add(file: string, service: string): ExtendsTracker {
    if (this.chain.some((ref) => ref.file === file && ref.service === service)) {
      const [first, ...rest] = [...this.chain, { file, service }];
      const steps = rest.map((ref) => `extends ${ref.service} in ${ref.file}`).join(', ');
      throw new FlotillaError(`Circular reference: ${first?.service} in ${first?.file}, ${steps}`, {
        hint: 'an `extends` chain must not come back to a service it started from',
      });
    }
    return new ExtendsTracker([...this.chain, { file, service }]);
  }
}

export function applyExtends(
  config: Mapping,
  filename: string,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  tracker: ExtendsTracker,
  loadFile: LoadFile,
): void {
  const services = config.services;
  if (services === undefined || services === null) return;
  if (!isMapping(services)) {
    throw new InvalidFileError('services must be a mapping', { position: context.locator.locate(['services']) });
  }
  for (const name of Object.keys(services)) {
    services[name] = extendService(name, services, filename, scope, context, options, tracker, loadFile);
  }
}

function extendService(
  name: string,
  services: Mapping,
  filename: string,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  tracker: ExtendsTracker,
  loadFile: LoadFile,
): unknown {
  const service = services[name];
  if (service === null || service === undefined) return service;
  if (!isMapping(service)) {
    throw new InvalidFileError(`services.${name} must be a mapping`, {
      position: context.locator.locate(['services', name]),
    });
  }
  const extend = service.extends;
  if (extend === undefined) return service;
  const position = context.locator.locate(['services', name, 'extends']);
  let ref: string;
  let file: string | undefined;
  if (isMapping(extend)) {
    if (typeof extend.service !== 'string') {
      throw new InvalidFileError(`extends.${name}.service is required`, { position });
    }
    ref = extend.service;
    file = typeof extend.file === 'string' ? extend.file : undefined;
    options.onEvent?.('extends', { ...extend });
  } else if (typeof extend === 'string') {
    ref = extend;
    options.onEvent?.('extends', { service: ref });
  } else {
    throw new InvalidFileError(`services.${name}.extends must be a string or a mapping`, { position });
  }

  let baseServices = services;
  let baseFile = filename;
  let baseScope = scope;
  if (file !== undefined) {
    ({ services: baseServices, scope: baseScope } = loadBaseFile(name, ref, filename, file, scope, context, options, tracker, loadFile));
    baseFile = file;
  } else if (!Object.hasOwn(services, ref)) {
    throw new InvalidFileError(`cannot extend service "${name}" in ${filename}: service "${ref}" not found`, {
      position,
      hint: `define service "${ref}" or fix the name in extends`,
    });
  }

  let next: ExtendsTracker;
  try {
    next = tracker.add(baseFile, name);
  } catch (error) {
    if (!(error instanceof FlotillaError) || error.position) throw error;
    throw new FlotillaError(error.message, { position, hint: error.hint, cause: error });
  }
  const base = extendService(ref, baseServices, baseFile, baseScope, context, options, next, loadFile);
  if (base === null || base === undefined) {
    delete service.extends;
    return service;
  }
  const merged = mergeServiceDefinitions(base, service) as Mapping;
  delete merged.extends;
  services[name] = merged;
  return merged;
}

function loadBaseFile(
  name: string,
  ref: string,
  filename: string,
  refPath: string,
  scope: Scope,
  context: LoadContext,
  options: ModelOptions,
  tracker: ExtendsTracker,
  loadFile: LoadFile,
): { services: Mapping; scope: Scope } {
  const local = goJoin(scope.loaderDir, refPath);
  const localDir = fileDir(scope.loaderDir, refPath);
  const relWorkingDir = goRel(scope.loaderDir, localDir, context.cwd);
  const baseOptions: ModelOptions = {
    ...options,
    resolvePaths: false,
    skipNormalization: true,
    skipConsistencyCheck: true,
    skipInclude: true,
    skipExtends: true,
    skipValidation: true,
    skipDefaultValues: true,
    keepTags: true,
  };
  const baseScope: Scope = { loaderDir: localDir, workingDir: relWorkingDir, env: scope.env };
  let source: Mapping;
  try {
    source = loadFile({ filename: local }, baseScope, context, baseOptions, tracker, {}, []);
  } catch (error) {
    if (!(error instanceof FileNotFoundError) || error.position) throw error;
    throw new FileNotFoundError(`services.${name}.extends.file: ${error.message}`, {
      position: context.locator.locate(['services', name, 'extends', 'file']),
      hint: 'fix the path of the file to extend',
      cause: error,
    });
  }
  const services = source.services;
  if (!isMapping(services)) {
    throw new InvalidFileError(`cannot extend service "${name}" in ${local}: no services section`);
  }
  if (!Object.hasOwn(services, ref)) {
    throw new InvalidFileError(
      `cannot extend service "${name}" in ${filename}: service "${ref}" not found in ${refPath}`,
      { position: context.locator.locate(['services', name, 'extends']) },
    );
  }
  resolveTreePaths(source, relWorkingDir);
  // later `extends` inside that file are read relative to the project directory, like its other paths
  return { services, scope: { ...scope } };
}
