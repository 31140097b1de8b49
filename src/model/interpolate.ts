import { InvalidFileError } from '../errors.js';
import { OverrideTag, ResetTag, type SourceMap, type TreePath } from './tags.js';
import { InvalidTemplateError, MissingRequiredError, substitute, type Lookup } from './template.js';
import { defineKey, formatPath } from './yaml.js';

/**
 * Interpolation of a compose document tree, as the reference loader does it per file: every string value
 * (never a key) is substituted, then values at known paths are converted to the type the schema expects,
 * because `${REPLICAS}` can only ever produce a string.
 */

export type CastType = 'int' | 'int64' | 'float' | 'float32' | 'bool';

/** A path pattern: `*` matches any one segment, `[]` any sequence index, anything else itself. */
export type PathPattern = ReadonlyArray<string>;

export interface TypeCast {
  pattern: PathPattern;
  type: CastType;
}

export function matchesPath(path: TreePath, pattern: PathPattern): boolean {
  if (path.length !== pattern.length) return false;
  for (let i = 0; i < path.length; i++) {
    const part = pattern[i]!;
    const segment = path[i]!;
    if (part === '*' || (part === '[]' && typeof segment === 'number') || part === String(segment)) continue;
    return false;
  }
  return true;
}

const service = (...parts: string[]): string[] => ['services', '*', ...parts];
const cast = (type: CastType, pattern: string[]): TypeCast => ({ pattern, type });

/** The conversions the reference loader applies after interpolation (`interpolateTypeCastMapping`). */
export const COMPOSE_TYPE_CASTS: ReadonlyArray<TypeCast> = [
  cast('int64', service('cpu_count')),
  cast('float', service('cpu_percent')),
  cast('int64', service('cpu_period')),
  cast('int64', service('cpu_quota')),
  cast('int64', service('cpu_rt_period')),
  cast('int64', service('cpu_rt_runtime')),
  cast('float32', service('cpus')),
  cast('int64', service('cpu_shares')),
  cast('bool', service('init')),
  cast('bool', service('depends_on', '*', 'required')),
  cast('bool', service('depends_on', '*', 'restart')),
  cast('int', service('deploy', 'replicas')),
  cast('int', service('deploy', 'update_config', 'parallelism')),
  cast('float', service('deploy', 'update_config', 'max_failure_ratio')),
  cast('int', service('deploy', 'rollback_config', 'parallelism')),
  cast('float', service('deploy', 'rollback_config', 'max_failure_ratio')),
  cast('int', service('deploy', 'restart_policy', 'max_attempts')),
  cast('int', service('deploy', 'placement', 'max_replicas_per_node')),
  cast('int', service('healthcheck', 'retries')),
  cast('bool', service('healthcheck', 'disable')),
  cast('bool', service('oom_kill_disable')),
  cast('int64', service('oom_score_adj')),
  cast('int64', service('pids_limit')),
  cast('int', service('ports', '[]', 'target')),
  cast('bool', service('privileged')),
  cast('bool', service('read_only')),
  cast('int', service('scale')),
  cast('bool', service('stdin_open')),
  cast('bool', service('tty')),
  cast('int', service('ulimits', '*')),
  cast('int', service('ulimits', '*', 'hard')),
  cast('int', service('ulimits', '*', 'soft')),
  cast('bool', service('volumes', '[]', 'read_only')),
  cast('bool', service('volumes', '[]', 'volume', 'nocopy')),
  cast('bool', ['networks', '*', 'external']),
  cast('bool', ['networks', '*', 'internal']),
  cast('bool', ['networks', '*', 'attachable']),
  cast('bool', ['networks', '*', 'enable_ipv4']),
  cast('bool', ['networks', '*', 'enable_ipv6']),
  cast('bool', ['volumes', '*', 'external']),
  cast('bool', ['secrets', '*', 'external']),
  cast('bool', ['configs', '*', 'external']),
];

export interface InterpolateOptions {
  /** Positions for error messages (the tree's own, before any merge). */
  sourceMap?: SourceMap;
  /** Conversions after substitution; COMPOSE_TYPE_CASTS when omitted, [] for none. */
  casts?: ReadonlyArray<TypeCast>;
}

export interface InterpolateResult {
  value: unknown;
  /** Variables that were unset and became "" (each once). */
  unsetVariables: string[];
  /** One line each: unset variables, YAML 1.1 booleans. */
  warnings: string[];
}

/** An interpolation or conversion failed at a path of the tree. */
export class InterpolationError extends InvalidFileError {
  readonly path: TreePath;

  constructor(message: string, path: TreePath, options: ConstructorParameters<typeof InvalidFileError>[1]) {
    super(message, options);
    this.name = 'InterpolationError';
    this.path = path;
  }
}

/** Returns a new tree: string values substituted through `lookup` and converted at the cast paths. */
export function interpolateTree(tree: unknown, lookup: Lookup, options: InterpolateOptions = {}): InterpolateResult {
  const walker = new Walker(lookup, options);
  const value = walker.walk(tree);
  return {
    value,
    unsetVariables: [...walker.unset],
    warnings: [
      ...[...walker.unset].map((name) => `The "${name}" variable is not set. Defaulting to a blank string.`),
      ...walker.warnings,
    ],
  };
}

class Walker {
  readonly unset = new Set<string>();
  readonly warnings: string[] = [];
  /** The current path, shared and mutated while walking; copied only when kept. */
  private readonly path: (string | number)[] = [];
  private readonly castsByLast = new Map<string, TypeCast[]>();
  private readonly castsAnyLast: TypeCast[] = [];

  constructor(
    private readonly lookup: Lookup,
    private readonly options: InterpolateOptions,
  ) {
    for (const typeCast of options.casts ?? COMPOSE_TYPE_CASTS) {
      const last = typeCast.pattern[typeCast.pattern.length - 1];
      if (last === undefined || last === '*' || last === '[]') {
        this.castsAnyLast.push(typeCast);
      } else {
        const list = this.castsByLast.get(last) ?? [];
        list.push(typeCast);
        this.castsByLast.set(last, list);
      }
    }
  }

  walk(node: unknown): unknown {
    if (typeof node === 'string') return this.leaf(node);
    if (Array.isArray(node)) {
      const out = new Array<unknown>(node.length);
      for (let i = 0; i < node.length; i++) {
        this.path.push(i);
        out[i] = this.walk(node[i]);
        this.path.pop();
      }
      return out;
    }
    if (node instanceof ResetTag) return new ResetTag(this.walk(node.value));
    if (node instanceof OverrideTag) return new OverrideTag(this.walk(node.value));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        this.path.push(key);
        defineKey(out, key, this.walk((node as Record<string, unknown>)[key]));
        this.path.pop();
      }
      return out;
    }
    return node;
  }

  private leaf(text: string): unknown {
    let value = text;
    if (text.includes('$')) {
      try {
        const result = substitute(text, this.lookup);
        value = result.value;
        for (const name of result.unset) this.unset.add(name);
      } catch (error) {
        throw this.failure(error);
      }
    }
    const typeCast = this.castFor();
    return typeCast === undefined ? value : this.convert(value, typeCast.type);
  }

  private castFor(): TypeCast | undefined {
    const last = this.path[this.path.length - 1];
    const candidates = this.castsByLast.get(String(last));
    for (const typeCast of candidates ?? []) if (matchesPath(this.path, typeCast.pattern)) return typeCast;
    for (const typeCast of this.castsAnyLast) if (matchesPath(this.path, typeCast.pattern)) return typeCast;
    return undefined;
  }

  private convert(value: string, type: CastType): unknown {
    switch (type) {
      case 'int':
      case 'int64': {
        if (!/^[+-]?\d+$/.test(value)) throw this.castFailure(`${JSON.stringify(value)} is not an integer`);
        const number = Number(value);
        if (!Number.isSafeInteger(number)) throw this.castFailure(`${value} is out of range`);
        return number;
      }
      case 'float':
      case 'float32': {
        const number = parseFloatStrictly(value);
        if (number === undefined) throw this.castFailure(`${JSON.stringify(value)} is not a number`);
        return number;
      }
      case 'bool':
        return this.toBoolean(value);
    }
  }

  private toBoolean(value: string): boolean {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    const yes = lower === 'y' || lower === 'yes' || lower === 'on';
    if (yes || lower === 'n' || lower === 'no' || lower === 'off') {
      this.warnings.push(
        `${formatPath(this.path)}: ${JSON.stringify(value)} for boolean is not supported by YAML 1.2, please use \`${yes}\``,
      );
      return yes;
    }
    throw this.castFailure(`invalid boolean: ${value}`);
  }

  private castFailure(reason: string): InterpolationError {
    return this.error(`error while interpolating ${formatPath(this.path)}: failed to cast to expected type: ${reason}`);
  }

  private failure(error: unknown): unknown {
    const where = formatPath(this.path);
    if (error instanceof InvalidTemplateError) {
      // The reference loader's three-line message, on one line.
      return this.error(
        `invalid interpolation format for ${where}. You may need to escape any $ with another $. ${error.template.replace(/\r?\n/g, '\\n')}`,
        error,
      );
    }
    if (error instanceof MissingRequiredError) {
      return this.error(`error while interpolating ${where}: ${error.message}`, error, error.hint);
    }
    return error;
  }

  private error(message: string, cause?: unknown, hint?: string): InterpolationError {
    const path = [...this.path];
    return new InterpolationError(message, path, { position: this.options.sourceMap?.positionOf(path), cause, hint });
  }
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number as Go's ParseFloat reads it (also inf/infinity/nan), or undefined. */
function parseFloatStrictly(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const lower = text.toLowerCase().replace(/^[+-]/, '');
  if (lower === 'inf' || lower === 'infinity') return text.startsWith('-') ? -Infinity : Infinity;
  if (lower === 'nan') return NaN;
  return undefined;
}
