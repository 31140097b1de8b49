import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Alias,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { InvalidFileError } from '../errors.js';
import { OverrideTag, ResetTag, type SourceMap, type SourcePosition, type TreePath } from './tags.js';

/** One `---` document of a compose file: its plain value tree and where each node came from. */
export interface ParsedDocument {
  value: unknown;
  sourceMap: SourceMap;
}

export interface ParseYamlOptions {
  /**
   * Most value nodes one document may produce, aliases expanded (as the reference loader caps node
   * visits), so that an "alias bomb" fails fast instead of exhausting memory.
   */
  maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 100_000;

const PARSE_OPTIONS = {
  version: '1.2',
  schema: 'core',
  // Merge keys, duplicate keys and tags are handled below to match the reference loader's behaviour.
  merge: false,
  uniqueKeys: false,
  prettyErrors: false,
} as const;

/**
 * Parses compose YAML (YAML 1.2, scalars read as the reference loader reads them: see resolvePlainScalar)
 * into plain trees: anchors, aliases and `<<` merge keys
 * resolved within each document, `!reset`/`!override` kept as ResetTag/OverrideTag wrappers, mapping
 * keys always strings. An empty file gives no document.
 */
export function parseComposeYaml(text: string, file: string, options: ParseYamlOptions = {}): ParsedDocument[] {
  try {
    return parseDocuments(text, file, options);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new InvalidFileError('the document is nested too deeply', {
      position: { file, line: 1, col: 1 },
      hint: 'flatten the nested sequences or mappings',
      cause: error,
    });
  }
}

function parseDocuments(text: string, file: string, options: ParseYamlOptions): ParsedDocument[] {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const at = (offset: number): SourcePosition => ({ file, ...lines.linePos(offset) });
  const parsed: ParsedDocument[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0];
    if (error !== undefined) {
      throw new InvalidFileError(oneLine(error.message), {
        position: at(error.pos[0]),
        hint: 'fix the YAML syntax at that place',
      });
    }
    const builder = new TreeBuilder(document, at, options.maxNodes ?? DEFAULT_MAX_NODES);
    parsed.push({ value: builder.build(), sourceMap: new DocumentSourceMap(document, at) });
  }
  return parsed;
}

/** Sets `key` as an own enumerable property, also when it is `__proto__`. */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** `services.web.ports[0]`: keys joined by dots, indexes in brackets. */
export function formatPath(path: TreePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

type At = (offset: number) => SourcePosition;

/** Turns one parsed document into a plain tree, checking keys, merges and the node budget. */
class TreeBuilder {
  private produced = 0;
  /** The outermost alias being expanded: where an excess of nodes is reported. */
  private expanding: YamlNode | null = null;
  private readonly targets = new Map<YamlNode, YamlNode | undefined>();
  /** Collections being built, to detect an alias to one of its own ancestors. */
  private readonly aliasesExpanding = new Map<Alias, TreePath>();

  constructor(
    private readonly document: Document.Parsed,
    private readonly at: At,
    private readonly maxNodes: number,
  ) {}

  build(): unknown {
    return this.value(this.document.contents as YamlNode | null, []);
  }

  private position(node: YamlNode | null | undefined): SourcePosition | undefined {
    return node?.range ? this.at(node.range[0]) : undefined;
  }

  private value(node: YamlNode | null, path: TreePath): unknown {
    if (++this.produced > this.maxNodes) this.tooManyNodes(node);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.alias(node, path);

    let value: unknown;
    if (isScalar(node)) {
      if (node.type !== 'PLAIN' || typeof node.source !== 'string') value = node.value;
      else if (node.tag === undefined) value = resolvePlainScalar(node.source);
      // `!reset` alone means "no value"; any other tag the schema does not know keeps the text.
      else value = node.source === '' && (node.tag === '!reset' || node.tag === '!override') ? null : node.value;
    } else if (isMap(node)) {
      value = this.mapping(node, path);
    } else if (isSeq(node)) {
      value = node.items.map((item, index) => this.value(item as YamlNode | null, [...path, index]));
    } else {
      value = null;
    }
    if (node.tag === '!reset') return new ResetTag(value);
    if (node.tag === '!override') return new OverrideTag(value);
    return value;
  }

  private resolve(node: Alias): YamlNode | undefined {
    if (!this.targets.has(node)) this.targets.set(node, node.resolve(this.document));
    return this.targets.get(node);
  }

  private alias(node: Alias, path: TreePath): unknown {
    const target = this.resolve(node);
    if (target === undefined) {
      throw new InvalidFileError(`${formatPath(path) || 'document'}: unknown anchor "${node.source}"`, {
        position: this.position(node),
        hint: `define &${node.source} before it is used, in the same document`,
      });
    }
    // An alias met again while its own expansion is under way is a cycle: report where it was met first, as the
    // reference does, so both places are named.
    const firstUse = this.aliasesExpanding.get(node);
    if (firstUse !== undefined) {
      throw new InvalidFileError(
        `cycle detected: node at path ${formatPath(path)} references node at path ${formatPath(firstUse) || '(root)'}`,
        { position: this.position(node), hint: `*${node.source} cannot be used inside the node it names` },
      );
    }
    // Each use is a fresh copy, as if written out: later stages may change one without the others.
    this.produced--;
    const outermost = this.expanding === null;
    if (outermost) this.expanding = node;
    this.aliasesExpanding.set(node, path);
    try {
      return this.value(target, path);
    } finally {
      this.aliasesExpanding.delete(node);
      if (outermost) this.expanding = null;
    }
  }

  private tooManyNodes(node: YamlNode | null): never {
    if (this.expanding !== null) {
      throw new InvalidFileError(
        `document contains excessive aliasing: more than ${this.maxNodes} nodes once aliases are expanded`,
        { position: this.position(this.expanding), hint: 'reduce nested aliases (*name) of large anchors' },
      );
    }
    throw new InvalidFileError(`compose file exceeds maximum node visit limit (${this.maxNodes})`, {
      position: this.position(node),
      hint: 'split the file into several files',
    });
  }

  private mapping(node: YAMLMap, path: TreePath): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const lineOf = new Map<string, number>();
    const explicit = new Set<string>();
    for (const pair of node.items as Pair<YamlNode | null, YamlNode | null>[]) {
      const key = this.keyOf(pair.key, path);
      const keyPosition = this.position(pair.key);
      const line = keyPosition?.line ?? 0;
      const earlier = lineOf.get(key);
      if (earlier !== undefined) {
        throw new InvalidFileError(`mapping key ${JSON.stringify(key)} already defined at line ${earlier}`, {
          position: keyPosition,
          hint: `remove one of the two ${JSON.stringify(key)} keys`,
        });
      }
      lineOf.set(key, line);
      if (isMergeKey(pair.key)) {
        // Keys written in the mapping win over merged ones, wherever they appear; among several merged
        // mappings the first one wins.
        for (const source of this.mergeSources(pair.value, path)) {
          for (const name of Object.keys(source)) {
            if (!explicit.has(name) && !Object.hasOwn(out, name)) defineKey(out, name, source[name]);
          }
        }
      } else {
        explicit.add(key);
        defineKey(out, key, this.value(pair.value, [...path, key]));
      }
    }
    return out;
  }

  private mergeSources(node: YamlNode | null, path: TreePath): Record<string, unknown>[] {
    const merged = this.value(node, path);
    const sources = Array.isArray(merged) ? merged : [merged];
    if (!sources.every(isPlainObject)) {
      throw new InvalidFileError(
        `${formatPath(path) || 'document'}: map merge requires map or sequence of maps as the value`,
        { position: this.position(node), hint: '<< must name a mapping, e.g. <<: *defaults' },
      );
    }
    return sources as Record<string, unknown>[];
  }

  private keyOf(node: YamlNode | null, path: TreePath): string {
    let key: YamlNode | null | undefined = node;
    if (key !== null && isAlias(key)) key = this.resolve(key);
    if (key === null || key === undefined) return '';
    if (isScalar(key)) {
      // Non-string scalar keys (`1:`, `true:`) become their text, as written.
      if (key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
      return String(key.value);
    }
    throw new InvalidFileError(`non-string key ${path.length === 0 ? 'at top level' : `in ${formatPath(path)}`}`, {
      position: this.position(node),
      hint: 'mapping keys must be plain strings',
    });
  }
}

const PLAIN_CONSTANTS = new Map<string, unknown>([
  ...['true', 'True', 'TRUE'].map((t) => [t, true] as const),
  ...['false', 'False', 'FALSE'].map((t) => [t, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((t) => [t, null] as const),
  ...['.nan', '.NaN', '.NAN'].map((t) => [t, NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((t) => [t, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((t) => [t, -Infinity] as const),
]);
const DECIMAL_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const PREFIXED_INT = /^([-+]?)0([xXoObB])([0-9a-fA-F]+)$/;
const RADIX: Record<string, number> = { x: 16, o: 8, b: 2 };

/**
 * The value of an untagged plain scalar as the reference loader's YAML library reads it: the YAML 1.2
 * core schema, plus what that library keeps for compatibility: `0440` is octal (file modes are written
 * so), `_` separates digits, `0b`/`0o`/`0x` take a sign. Dates stay strings.
 */
export function resolvePlainScalar(text: string): unknown {
  const constant = PLAIN_CONSTANTS.get(text);
  if (constant !== undefined || PLAIN_CONSTANTS.has(text)) return constant;
  const first = text.charCodeAt(0);
  const numeric = (first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d;
  if (first === 0x2e /* . */) return DECIMAL_FLOAT.test(text) ? Number(text) : text;
  if (!numeric) return text;
  const plain = text.includes('_') ? text.replaceAll('_', '') : text;
  if (/^[-+]?[0-9]+$/.test(plain)) {
    const digits = plain.replace(/^[-+]/, '');
    if (digits.length > 1 && digits.startsWith('0') && /^[0-7]+$/.test(digits)) {
      const octal = parseInt(digits, 8);
      return plain.startsWith('-') ? -octal || 0 : octal;
    }
    return Number(plain) || 0; // no -0
  }
  const prefixed = PREFIXED_INT.exec(plain);
  if (prefixed) {
    const radix = RADIX[prefixed[2]!.toLowerCase()]!;
    const digits = prefixed[3]!;
    const valid = radix === 16 ? true : radix === 8 ? /^[0-7]+$/.test(digits) : /^[01]+$/.test(digits);
    if (valid) {
      const number = parseInt(digits, radix);
      return prefixed[1] === '-' ? -number || 0 : number;
    }
    return text;
  }
  return DECIMAL_FLOAT.test(plain) ? Number(plain) : text;
}

function isMergeKey(node: YamlNode | null): boolean {
  return node !== null && isScalar(node) && node.type === 'PLAIN' && node.source === '<<';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Positions looked up on demand from the parsed document (only errors need them, so nothing is
 * precomputed). A path that goes through an alias continues in the anchored node; a path that ends
 * beyond the document falls back to its nearest ancestor.
 */
class DocumentSourceMap implements SourceMap {
  constructor(
    private readonly document: Document.Parsed,
    private readonly at: At,
  ) {}

  positionOf(path: TreePath): SourcePosition | undefined {
    let node = this.document.contents as YamlNode | null;
    let best = node?.range ? this.at(node.range[0]) : { ...this.at(0) };
    for (const segment of path) {
      const next = this.child(this.deref(node), segment);
      if (next === undefined) break;
      node = next.node;
      best = next.position;
    }
    return best;
  }

  private deref(node: YamlNode | null, hops = 0): YamlNode | null {
    if (node !== null && isAlias(node) && hops < 100) {
      return this.deref(node.resolve(this.document) ?? null, hops + 1);
    }
    return node;
  }

  private child(
    node: YamlNode | null,
    segment: string | number,
    hops = 0,
  ): { node: YamlNode | null; position: SourcePosition } | undefined {
    if (node === null || hops > 100) return undefined;
    if (isSeq(node)) {
      if (typeof segment !== 'number') return undefined;
      const item = node.items[segment] as YamlNode | undefined;
      return item?.range ? { node: item, position: this.at(item.range[0]) } : undefined;
    }
    if (!isMap(node)) return undefined;
    const key = String(segment);
    let merge: YamlNode | null = null;
    for (const pair of node.items as Pair<YamlNode | null, YamlNode | null>[]) {
      if (isMergeKey(pair.key)) merge = pair.value;
      if (!pair.key || !isScalar(pair.key) || keyText(pair.key) !== key) continue;
      const value = pair.value;
      const useValue = value?.range && !(isScalar(value) && value.value === null);
      const range = useValue ? value!.range! : pair.key.range!;
      return { node: value, position: this.at(range[0]) };
    }
    if (merge === null) return undefined;
    const merged = this.deref(merge, hops);
    const sources = merged !== null && isSeq(merged) ? (merged.items as YamlNode[]) : [merged];
    for (const source of sources) {
      const found = this.child(this.deref(source, hops), segment, hops + 1);
      if (found) return found;
    }
    return undefined;
  }
}

function keyText(key: YamlNode): string {
  if (isScalar(key) && key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
  return isScalar(key) ? String(key.value) : '';
}
