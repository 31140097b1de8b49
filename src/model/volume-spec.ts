/**
 * The short volume syntax `[source:]target[:options]`, parsed like the reference: a source that starts with
 * `.`, `/`, `~`, `\\` or a Windows drive is a bind mount (created on the host when missing), any other source is
 * a named volume, no source is an anonymous volume. Unknown options are ignored, as the reference does.
 */
import { posix } from 'node:path';

export type VolumeMapping = Record<string, unknown>;

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);

export function parseVolumeSpec(spec: string): VolumeMapping {
  if (spec.length === 0) throw new Error('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: spec, volume: {} };

  let source = '';
  let target = '';
  let readOnly = false;
  let nocopy = false;
  const bind: Record<string, unknown> = {};
  let buffer = '';
  let depth = 0;
  const chars = [...spec, '\0'];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '$' && chars[i + 1] === '{') {
      depth++;
      buffer += ch;
      continue;
    }
    if (ch === '}' && depth > 0) {
      depth--;
      buffer += ch;
      continue;
    }
    const windowsDrive = ch === ':' && buffer.length === 1 && /\p{L}/u.test(buffer);
    if (windowsDrive) {
      buffer += ch;
      continue;
    }
    if ((ch === ':' || ch === '\0') && depth === 0) {
      if (buffer.length === 0) throw new Error(`invalid spec: ${spec}: empty section between colons`);
      if (source === '' && ch === '\0') target = buffer;
      else if (source === '') source = buffer;
      else if (target === '') target = buffer;
      else if (ch === ':') throw new Error(`invalid spec: ${spec}: too many colons`);
      else {
        for (const option of buffer.split(',')) {
          if (option === 'ro') readOnly = true;
          else if (option === 'rw') readOnly = false;
          else if (option === 'nocopy') nocopy = true;
          else if (PROPAGATIONS.has(option)) bind.propagation = option;
          else if (option === 'z' || option === 'Z') bind.selinux = option;
        }
      }
      buffer = '';
      continue;
    }
    buffer += ch;
  }

  const volume: VolumeMapping = {};
  if (isFilePath(source)) {
    volume.type = 'bind';
    volume.source = source;
  } else {
    volume.type = 'volume';
    if (source !== '') volume.source = source;
  }
  volume.target = target === '' ? '' : posix.normalize(target).replace(/(.)\/$/, '$1');
  if (readOnly) volume.read_only = true;
  if (volume.type === 'bind') volume.bind = { ...bind, create_host_path: true };
  else {
    if (Object.keys(bind).length > 0) volume.bind = bind;
    volume.volume = nocopy ? { nocopy: true } : {};
  }
  return volume;
}

export function isFilePath(source: string): boolean {
  if (source === '') return false;
  if (source[0] === '.' || source[0] === '/' || source[0] === '~') return true;
  if (source.startsWith('\\\\')) return true;
  return /^\p{L}:/u.test(source);
}
