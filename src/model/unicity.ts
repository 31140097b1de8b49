/**
 * The de-duplication pass that follows the multi-file merge: sequences that identify their entries (environment,
 * ports, volumes, ...) keep one entry per identity. The identities are those of the reference loader (compose-go
 * `override` package, EnforceUnicity), see UNIQUE_RULES.
 */
import { InvalidFileError } from '../errors.js';
import { goD, goS, goType } from './go-format.js';
import { clone, dotted, isMapping, matches, setKey, type Mapping, type Segments } from './merge-tree.js';

type Indexer = (entry: unknown, path: Segments) => string;

/**
 * Removes redefinitions from the sequences that identify their entries (environment, ports, volumes, ...):
 * one entry per identity is kept, the last definition placed at the position of the first one.
 * Returns a new tree; the input is not mutated.
 */
export function enforceUnicity(doc: unknown): unknown {
  return unique(clone(doc), []);
}

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

/** The `target` of a long-syntax volume or device, which must be there. */
function longSyntaxTarget(entry: Mapping, kind: 'volume' | 'device', path: Segments): string {
  const target = entry['target'];
  if (typeof target !== 'string')
    throw new InvalidFileError(`service ${kind} ${dotted(path)} is missing a mount target`);
  return target;
}

/** Volumes are identified by their target inside the container. */
function volumeIndexer(entry: unknown, path: Segments): string {
  if (isMapping(entry)) return longSyntaxTarget(entry, 'volume', path);
  if (typeof entry === 'string') return shortVolumeTarget(entry);
  return '';
}

/** Devices are identified by their path inside the container (`HOST:CONTAINER[:PERMS]`). */
function deviceIndexer(entry: unknown, path: Segments): string {
  if (isMapping(entry)) return longSyntaxTarget(entry, 'device', path);
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
