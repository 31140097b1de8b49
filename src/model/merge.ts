/**
 * Multi-file merge of raw compose trees. The rules are those of the reference loader (compose-go `override`
 * package) so that the same set of files gives the same project: mappings merge by key, sequences append, scalars
 * are replaced, with special rules for some attributes (see MERGE_RULES). Tags are resolved in merge-tags.ts, the
 * de-duplication pass that follows the merge is in unicity.ts; both are re-exported here for the loader.
 */
import { InvalidFileError } from '../errors.js';
import { goType, goV } from './go-format.js';
import { REMOVED, removeAt, resolveTags, stripTags } from './merge-tags.js';
import { compareStrings, dotted, isMapping, matches, setKey, type Mapping, type Segments } from './merge-tree.js';

export { stripTags } from './merge-tags.js';
export { enforceUnicity } from './unicity.js';

type Merger = (base: unknown, override: unknown, path: Segments) => unknown;

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

function rootMapping(tree: unknown): Mapping {
  if (tree === null || tree === undefined || tree === REMOVED) return {};
  if (!isMapping(tree)) throw new InvalidFileError('top-level object must be a mapping');
  return tree;
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
