/**
 * Multi-file merge of raw compose trees and the sequence de-duplication pass that follows it.
 * The rules are those of the reference loader (compose-go `override` package) so that the same set of
 * files gives the same project: mappings merge by key, sequences append, scalars are replaced, with special
 * rules for some attributes (see MERGE_RULES and UNIQUE_RULES).
 */
import { InvalidFileError } from '../errors.js';
import { OverrideTag, ResetTag } from './tags.js';

type Mapping = Record<string, unknown>;
type Segments = readonly string[];
type Merger = (base: unknown, override: unknown, path: Segments) => unknown;
type Indexer = (entry: unknown, path: Segments) => string;

/** Marker for a `!reset` node: the value disappears from the tree. */
const REMOVED = Symbol('removed');

// ---------------------------------------------------------------------------------------------------------------
// Public API

/**
 * Merges `override` (a later file) onto `base` (the files before it) and returns a new tree.
 * `!reset` in the override removes the inherited value at that place; `!override` replaces it instead of merging.
 * Inputs are not mutated. Throws InvalidFileError (`cannot override <path>`) when a mapping meets a non-mapping.
 */
export function mergeDocuments(base: unknown, override: unknown): unknown {
  const right = rootMapping(stripTags(base));
  const tagged: Segments[] = [];
  const left = rootMapping(resolveTags(override, [], tagged));
  for (const p of tagged) removeAt(right, p);
  return mergeMappings(right, left, []);
}

/**
 * Merges a service definition onto the one it `extends`, with the same rules as a multi-file merge
 * (the reference loader merges both at the path `services.x`). Tags in `override` apply as in mergeDocuments.
 */
export function mergeServiceDefinitions(base: unknown, override: unknown): unknown {
  const tagged: Segments[] = [];
  const left = resolveTags(override, [], tagged);
  let right = stripTags(base);
  for (const p of tagged) {
    if (p.length === 0) right = null;
    else if (isMapping(right)) removeAt(right, p);
  }
  if (left === REMOVED) return {};
  return mergeYaml(right, left, ['services', 'x']);
}

/**
 * Resolves the tags of a tree that has nothing to merge with (a single file, or the first one):
 * a `!reset` value is removed, an `!override` value is kept as it is. Returns a new tree; tag-free parts are copied.
 */
export function stripTags(tree: unknown): unknown {
  const resolved = resolveTags(tree, [], []);
  return resolved === REMOVED ? null : resolved;
}

/**
 * Removes redefinitions from the sequences that identify their entries (environment, ports, volumes, ...):
 * one entry per identity is kept, the last definition placed at the position of the first one.
 * Returns a new tree; the input is not mutated.
 */
export function enforceUnicity(doc: unknown): unknown {
  return unique(clone(doc), []);
}

// ---------------------------------------------------------------------------------------------------------------
// Tags

/**
 * Copies `node` with its tags resolved and records the mapping paths that carried a tag: the inherited value
 * there must go before merging. Paths through sequences are not recorded, as in the reference loader, where
 * a tag inside a sequence only affects that sequence's own entry.
 */
function resolveTags(node: unknown, path: Segments, tagged: Segments[] | null): unknown {
  if (node instanceof ResetTag) {
    tagged?.push(path);
    return REMOVED;
  }
  if (node instanceof OverrideTag) {
    tagged?.push(path);
    // The replacement value is taken as written: tags nested inside it have no inherited value to act on.
    return untag(node.value);
  }
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      const r = resolveTags(item, path, null);
      if (r !== REMOVED) out.push(r);
    }
    return out;
  }
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) {
      const r = resolveTags(v, [...path, k], tagged);
      if (r !== REMOVED) setKey(out, k, r);
    }
    return out;
  }
  return node;
}

function untag(node: unknown): unknown {
  if (node instanceof ResetTag || node instanceof OverrideTag) return untag(node.value);
  if (Array.isArray(node)) return node.map(untag);
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) setKey(out, k, untag(v));
    return out;
  }
  return node;
}

function removeAt(root: Mapping, path: Segments): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isMapping(node)) return;
    node = Object.hasOwn(node, path[i]!) ? node[path[i]!] : undefined;
  }
  if (isMapping(node) && path.length > 0) delete node[path[path.length - 1]!];
}

function rootMapping(tree: unknown): Mapping {
  if (tree === null || tree === undefined || tree === REMOVED) return {};
  if (!isMapping(tree)) throw new InvalidFileError('top-level object must be a mapping');
  return tree;
}

function clone(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clone);
  if (isMapping(node)) {
    const out: Mapping = {};
    for (const [k, v] of Object.entries(node)) setKey(out, k, clone(v));
    return out;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Merge (both sides are fresh copies owned by this module, so merging may reuse and update them in place)

const MERGE_RULES: ReadonlyArray<[string, Merger]> = [
  ['networks.*.ipam.config', mergeIpamConfig],
  ['networks.*.labels', mergeToSequence],
  ['volumes.*.labels', mergeToSequence],
  ['services.*.annotations', mergeToSequence],
  ['services.*.build', mergeBuild],
  ['services.*.build.args', mergeToSequence],
  ['services.*.build.additional_contexts', mergeToSequence],
  ['services.*.build.extra_hosts', mergeExtraHosts],
  ['services.*.build.labels', mergeToSequence],
  ['services.*.command', replace],
  ['services.*.depends_on', mergeDependsOn],
  ['services.*.deploy.labels', mergeToSequence],
  ['services.*.dns', mergeToSequence],
  ['services.*.dns_opt', mergeToSequence],
  ['services.*.dns_search', mergeToSequence],
  ['services.*.entrypoint', replace],
  ['services.*.env_file', mergeToSequence],
  ['services.*.label_file', mergeToSequence],
  ['services.*.environment', mergeToSequence],
  ['services.*.extra_hosts', mergeExtraHosts],
  ['services.*.healthcheck.test', replace],
  ['services.*.labels', mergeToSequence],
  ['services.*.volumes.*.volume.labels', mergeToSequence],
  ['services.*.logging', mergeLogging],
  ['services.*.models', mergeKeyedMapping],
  ['services.*.networks', mergeKeyedMapping],
  ['services.*.sysctls', mergeToSequence],
  ['services.*.tmpfs', mergeToSequence],
  ['services.*.ulimits.*', replace],
];

const compiledMergeRules = MERGE_RULES.map(([p, m]) => [p.split('.'), m] as const);

function matches(path: Segments, pattern: Segments): boolean {
  if (path.length !== pattern.length) return false;
  for (let i = 0; i < path.length; i++) if (pattern[i] !== '*' && pattern[i] !== path[i]) return false;
  return true;
}

function dotted(path: Segments): string {
  return path.join('.');
}

function cannotOverride(path: Segments): InvalidFileError {
  return new InvalidFileError(`cannot override ${dotted(path)}`);
}

function mergeYaml(base: unknown, override: unknown, path: Segments): unknown {
  for (const [pattern, merger] of compiledMergeRules) {
    if (matches(path, pattern)) return merger(base, override, path);
  }
  return mergeGeneric(base, override, path);
}

function mergeGeneric(base: unknown, override: unknown, path: Segments): unknown {
  if (override === null || override === undefined) return base;
  if (isMapping(base)) {
    if (!isMapping(override)) throw cannotOverride(path);
    return mergeMappings(base, override, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw cannotOverride(path);
    return [...base, ...override];
  }
  return override;
}

function mergeMappings(base: Mapping, override: Mapping, path: Segments): Mapping {
  for (const [k, v] of Object.entries(override)) {
    if (!Object.hasOwn(base, k)) setKey(base, k, v);
    else setKey(base, k, mergeYaml(base[k], v, [...path, k]));
  }
  return base;
}

/** command, entrypoint, healthcheck.test, each ulimit: the later value wins, even null. */
function replace(_base: unknown, override: unknown): unknown {
  return override;
}

/** Logging options merge only when both sides name the same driver, or one of them names none. */
function mergeLogging(base: unknown, override: unknown, path: Segments): unknown {
  if (!isMapping(base) || !isMapping(override)) return mergeGeneric(base, override, path);
  const hasOverrideDriver = Object.hasOwn(override, 'driver');
  const hasBaseDriver = Object.hasOwn(base, 'driver');
  if (!hasOverrideDriver || !hasBaseDriver || sameScalar(override['driver'], base['driver'])) {
    return mergeMappings(base, override, path);
  }
  return override;
}

function sameScalar(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

/** `build: ctx` is short for `build: {context: ctx}`. */
function mergeBuild(base: unknown, override: unknown, path: Segments): unknown {
  const toBuild = (v: unknown): Mapping | null => (typeof v === 'string' ? { context: v } : isMapping(v) ? v : null);
  const right = toBuild(base);
  const left = toBuild(override);
  if (right === null) return left ?? override ?? base;
  if (left === null) return right;
  return mergeMappings(right, left, path);
}

const DEPENDS_ON_DEFAULTS = { condition: 'service_started', required: true };

/** depends_on lists become mappings with the default condition before merging by service name. */
function mergeDependsOn(base: unknown, override: unknown, path: Segments): unknown {
  return mergeAsMappings(
    toMapping(base, DEPENDS_ON_DEFAULTS, path),
    toMapping(override, DEPENDS_ON_DEFAULTS, path),
    path,
    base,
  );
}

/** Service networks and models: list form becomes a mapping with null values, then merged by name. */
function mergeKeyedMapping(base: unknown, override: unknown, path: Segments): unknown {
  return mergeAsMappings(toMapping(base, null, path), toMapping(override, null, path), path, base);
}

function mergeAsMappings(right: Mapping | null, left: Mapping | null, path: Segments, base: unknown): unknown {
  if (right === null) return left ?? base;
  if (left === null) return right;
  return mergeMappings(right, left, path);
}

function toMapping(value: unknown, defaults: Mapping | null, path: Segments): Mapping | null {
  if (isMapping(value)) return value;
  if (!Array.isArray(value)) return null;
  const out: Mapping = {};
  for (const item of value) {
    if (typeof item !== 'string') throw new InvalidFileError(`${dotted(path)}: unexpected type ${goType(item)}`);
    setKey(out, item, defaults === null ? null : { ...defaults });
  }
  return out;
}

/** environment, labels, args, dns, tmpfs, env_file, ...: both sides become `KEY=VALUE` lists and are appended. */
function mergeToSequence(base: unknown, override: unknown): unknown {
  return [...toSequence(base), ...toSequence(override)];
}

/** extra_hosts: as mergeToSequence, without entries of the override already present verbatim in the base. */
function mergeExtraHosts(base: unknown, override: unknown): unknown {
  const right = toSequence(base);
  const left = toSequence(override).filter((v) => !right.includes(v));
  return [...right, ...left];
}

/**
 * A mapping becomes sorted `KEY=VALUE` strings (a null value gives a bare `KEY`, a list value one entry per item),
 * a string becomes a one-item list, a list stays as it is.
 */
function toSequence(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [value];
  if (!isMapping(value)) return [];
  const seq: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) seq.push(k);
    else if (Array.isArray(v)) for (const item of v) seq.push(`${k}=${goV(item)}`);
    else seq.push(`${k}=${goV(v)}`);
  }
  return seq.sort(compareStrings);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * networks.*.ipam.config: entries merge by subnet. This follows the reference loader step by step, including
 * its corner cases (an empty base list stays empty), so that the same files give the same networks.
 */
function mergeIpamConfig(base: unknown, override: unknown, path: Segments): unknown {
  if (!Array.isArray(base) || !Array.isArray(override)) {
    throw new InvalidFileError(`${dotted(path)}: unexpected type ${goType(base)}`);
  }
  const configs: Mapping[] = [];
  const indexOfSubnet = (subnet: unknown) => configs.findIndex((c) => sameScalar(c['subnet'], subnet));
  for (const original of base) {
    const right = toMapping(original, null, path) ?? {};
    for (const entry of override) {
      const left = toMapping(entry, null, path) ?? {};
      if (!sameScalar(left['subnet'], right['subnet']) && indexOfSubnet(left['subnet']) < 0) {
        configs.push(left);
        continue;
      }
      const merged = mergeMappings(right, left, path);
      const i = indexOfSubnet(merged['subnet']);
      if (i >= 0) configs[i] = merged;
      else configs.push(merged);
    }
  }
  return configs;
}

// ---------------------------------------------------------------------------------------------------------------
// Unicity

const UNIQUE_RULES: ReadonlyArray<[string, Indexer]> = [
  ['networks.*.labels', keyValueIndexer],
  ['networks.*.ipam.options', keyValueIndexer],
  ['services.*.annotations', keyValueIndexer],
  ['services.*.build.args', keyValueIndexer],
  ['services.*.build.additional_contexts', keyValueIndexer],
  // The reference loader lists the singular `platform`; the spec attribute `platforms` is only appended.
  ['services.*.build.platform', keyValueIndexer],
  ['services.*.build.tags', keyValueIndexer],
  ['services.*.build.labels', keyValueIndexer],
  ['services.*.cap_add', keyValueIndexer],
  ['services.*.cap_drop', keyValueIndexer],
  ['services.*.configs', mountIndexer('')],
  ['services.*.deploy.labels', keyValueIndexer],
  ['services.*.dns', keyValueIndexer],
  ['services.*.dns_opt', keyValueIndexer],
  ['services.*.dns_search', keyValueIndexer],
  ['services.*.environment', keyValueIndexer],
  ['services.*.env_file', envFileIndexer],
  ['services.*.expose', exposeIndexer],
  ['services.*.labels', keyValueIndexer],
  ['services.*.links', keyValueIndexer],
  ['services.*.networks.*.aliases', keyValueIndexer],
  ['services.*.networks.*.link_local_ips', keyValueIndexer],
  ['services.*.ports', portIndexer],
  ['services.*.profiles', keyValueIndexer],
  ['services.*.secrets', mountIndexer('/run/secrets')],
  ['services.*.sysctls', keyValueIndexer],
  ['services.*.tmpfs', keyValueIndexer],
  ['services.*.volumes', volumeIndexer],
  ['services.*.devices', deviceIndexer],
];

const compiledUniqueRules = UNIQUE_RULES.map(([p, ix]) => [p.split('.'), ix] as const);

function unique(value: unknown, path: Segments): unknown {
  if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) setKey(value, k, unique(v, [...path, k]));
    return value;
  }
  if (Array.isArray(value)) {
    for (const [pattern, indexer] of compiledUniqueRules) {
      if (!matches(path, pattern)) continue;
      const seq: unknown[] = [];
      const seen = new Map<string, number>();
      value.forEach((entry, i) => {
        const key = indexer(entry, [...path, `[${i}]`]);
        const at = seen.get(key);
        if (at !== undefined) seq[at] = entry;
        else {
          seen.set(key, seq.length);
          seq.push(entry);
        }
      });
      return seq;
    }
  }
  return value;
}

function keyValueIndexer(entry: unknown, path: Segments): string {
  if (typeof entry !== 'string') throw new InvalidFileError(`${dotted(path)}: unexpected type ${goType(entry)}`);
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Volumes are identified by their target inside the container. */
function volumeIndexer(entry: unknown, path: Segments): string {
  if (isMapping(entry)) {
    const target = entry['target'];
    if (typeof target !== 'string')
      throw new InvalidFileError(`service volume ${dotted(path)} is missing a mount target`);
    return target;
  }
  if (typeof entry === 'string') return shortVolumeTarget(entry);
  return '';
}

/** Devices are identified by their path inside the container (`HOST:CONTAINER[:PERMS]`). */
function deviceIndexer(entry: unknown, path: Segments): string {
  if (isMapping(entry)) {
    const target = entry['target'];
    if (typeof target !== 'string')
      throw new InvalidFileError(`service device ${dotted(path)} is missing a mount target`);
    return target;
  }
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return '';
}

function exposeIndexer(entry: unknown, path: Segments): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'number' && Number.isInteger(entry)) return String(entry);
  throw new InvalidFileError(`${dotted(path)}: unsupported expose value ${goS(entry)}`);
}

/** Secrets and configs are identified by their target, which defaults to `<dir>/<source>`. */
function mountIndexer(defaultDir: string): Indexer {
  return (entry, path) => {
    if (typeof entry === 'string') return `${defaultDir}/${entry}`;
    if (isMapping(entry)) {
      if (Object.hasOwn(entry, 'target')) return goS(entry['target']);
      return `${defaultDir}/${goS(entry['source'])}`;
    }
    throw new InvalidFileError(`${dotted(path)}: unsupported value ${goS(entry)}`);
  };
}

/**
 * Short ports are identified by their text, long ones by `host_ip:published:target/protocol`
 * (mode, name and app_protocol do not count). The key is formatted as the reference loader formats it, so that
 * `published: 8080` and `published: "8080"` stay distinct entries there too.
 */
function portIndexer(entry: unknown, path: Segments): string {
  if (typeof entry === 'number') return Number.isInteger(entry) ? String(entry) : '';
  if (typeof entry === 'string') return entry;
  if (!isMapping(entry)) return '';
  if (!Object.hasOwn(entry, 'target'))
    throw new InvalidFileError(`service ports ${dotted(path)} is missing a target port`);
  const host = Object.hasOwn(entry, 'host_ip') ? entry['host_ip'] : '0.0.0.0';
  const protocol = Object.hasOwn(entry, 'protocol') ? entry['protocol'] : 'tcp';
  return `${goS(host)}:${goS(entry['published'])}:${goD(entry['target'])}/${goS(protocol)}`;
}

function envFileIndexer(entry: unknown, path: Segments): string {
  if (typeof entry === 'string') return entry;
  if (isMapping(entry)) {
    if (Object.hasOwn(entry, 'path')) return goS(entry['path']);
    throw new InvalidFileError(`environment path attribute ${dotted(path)} is missing`);
  }
  return '';
}

/**
 * The container path of a short volume spec `[SOURCE:]TARGET[:OPTIONS]`, read the way the reference parser reads
 * it: a one-letter Windows drive (`C:`) stays in its section and `${...}` may contain colons.
 */
function shortVolumeTarget(spec: string): string {
  if (spec.length === 0) throw new InvalidFileError('invalid empty volume spec');
  if (spec.length <= 2) return spec;
  let source = '';
  let target = '';
  let buffer = '';
  let nesting = 0;
  const END = '\0';
  const text = spec + END;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '$' && i + 1 < spec.length && spec[i + 1] === '{') {
      nesting++;
      buffer += ch;
      continue;
    }
    if (ch === '}' && nesting > 0) {
      nesting--;
      buffer += ch;
      continue;
    }
    if (ch === ':' && buffer.length === 1 && /\p{L}/u.test(buffer)) {
      buffer += ch;
    } else if ((ch === ':' || (ch === END && i === text.length - 1)) && nesting === 0) {
      if (buffer.length === 0) throw new InvalidFileError(`invalid spec: ${spec}: empty section between colons`);
      if (source === '' && ch === END) target = buffer;
      else if (source === '') source = buffer;
      else if (target === '') target = buffer;
      else if (ch === ':') throw new InvalidFileError(`invalid spec: ${spec}: too many colons`);
      buffer = '';
    } else {
      buffer += ch;
    }
  }
  return target;
}

// ---------------------------------------------------------------------------------------------------------------
// Tree helpers

function isMapping(value: unknown): value is Mapping {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof ResetTag) &&
    !(value instanceof OverrideTag)
  );
}

/** Sets a key without ever touching the prototype (a compose file may well contain a `__proto__` key). */
function setKey(target: Mapping, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

// Identities and `KEY=VALUE` strings are formatted as the reference loader (Go, `fmt`) formats them, so that
// values of other types give the same strings and the same identities there and here.

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's `%v`. */
function goV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isMapping(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    return `map[${keys.map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's `%s`: a non-string value is shown with its type, e.g. `%!s(int=8080)`. */
function goS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return `%!s(${goType(v)}=${goV(v)})`;
}

/** Go's `%d`. */
function goD(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (v === null || v === undefined) return '%!d(<nil>)';
  return `%!d(${goType(v)}=${goV(v)})`;
}

/** Go's `%v` of a number: integers in full, other floats in the shortest form, with an exponent from 1e+06 on. */
function goNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) {
    if (n === Infinity) return '+Inf';
    if (n === -Infinity) return '-Inf';
    if (Number.isNaN(n)) return 'NaN';
    return String(n);
  }
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}
