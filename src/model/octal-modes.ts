/**
 * File modes written as `0440` are octal for the reference (its YAML library reads a leading zero as octal),
 * while the YAML 1.2 core schema reads them as decimal 440. The parser's tree no longer has the text, so the
 * `mode` numbers are re-read from the source at their position and decoded as octal when written that way.
 */
import type { SourceMap } from './tags.js';
import { isMapping } from './tree-canonical.js';

type Mapping = Record<string, unknown>;

export function fixOctalModes(tree: unknown, text: string, sourceMap: SourceMap): void {
  if (!isMapping(tree) || !isMapping(tree.services)) return;
  const lines = text.split('\n');
  const fix = (holder: Mapping, path: Array<string | number>): void => {
    if (typeof holder.mode !== 'number') return;
    const position = sourceMap.positionOf([...path, 'mode']);
    if (!position) return;
    const token = (lines[position.line - 1] ?? '').slice(position.col - 1);
    const match = /^0([0-7]+)\b/.exec(token);
    if (match) holder.mode = Number.parseInt(match[1] ?? '0', 8);
  };
  for (const [name, service] of Object.entries(tree.services)) {
    if (!isMapping(service)) continue;
    const lists: Array<[unknown, Array<string | number>]> = [
      [service.secrets, ['services', name, 'secrets']],
      [service.configs, ['services', name, 'configs']],
      [isMapping(service.build) ? service.build.secrets : undefined, ['services', name, 'build', 'secrets']],
    ];
    for (const [list, path] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((entry, i) => {
        if (isMapping(entry)) fix(entry, [...path, i]);
      });
    }
    if (Array.isArray(service.volumes)) {
      service.volumes.forEach((volume, i) => {
        if (isMapping(volume) && isMapping(volume.tmpfs)) fix(volume.tmpfs, ['services', name, 'volumes', i, 'tmpfs']);
      });
    }
  }
}
