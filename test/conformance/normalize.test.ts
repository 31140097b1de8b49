import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { normalizeTree } from '../../src/model/normalize.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const vectorsDir = path.resolve(projectRoot(), '../shared/conformance/compose-go/loader/normalize');

interface NormalizeVector {
  name: string;
  steps: string[];
  env: Record<string, string> | null;
  input: string;
  expected: string;
}

const parse = (text: string): unknown => YAML.parse(text, { merge: true });
const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('normalize vectors', () => {
  it('are all present', () => {
    expect(files.length).toBe(9);
  });
});

for (const file of files) {
  const vector = YAML.parse(readFileSync(path.join(vectorsDir, file), 'utf8')) as NormalizeVector;
  describe(`loader/normalize/${file}`, () => {
    it(vector.name, () => {
      expect(vector.steps).toEqual(['normalize']);
      const input = parse(vector.input);
      const before = JSON.stringify(input);
      expect(normalizeTree(input, vector.env)).toStrictEqual(parse(vector.expected));
      expect(JSON.stringify(input)).toBe(before);
    });
  });
}

describe('normalize: beyond the vectors', () => {
  it('the given project name wins over the file name', () => {
    const out = normalizeTree({ name: 'file', services: { a: { image: 'x' } }, volumes: { data: null } }, {}, 'cli');
    expect(out).toStrictEqual({
      name: 'cli',
      services: { a: { image: 'x', networks: { default: null } } },
      networks: { default: { name: 'cli_default' } },
      volumes: { data: { name: 'cli_data' } },
    });
  });

  it('reads short forms: list networks and depends_on, build as a string', () => {
    const out = normalizeTree(
      { name: 'p', services: { a: { build: 'ctx', networks: ['front'], depends_on: ['b'], links: ['b:alias', 'c'] } } },
      {},
    ) as any;
    expect(out.services.a).toStrictEqual({
      build: { context: 'ctx', dockerfile: 'Dockerfile' },
      networks: { front: null },
      depends_on: {
        b: { condition: 'service_started', required: true },
        c: { condition: 'service_started', restart: true, required: true },
      },
      links: ['b:alias', 'c'],
    });
    expect(out.networks).toBeUndefined();
  });

  it('keeps dockerfile_inline, maps if_not_present to missing, cleans volume targets, skips provider services', () => {
    const out = normalizeTree(
      {
        name: 'p',
        services: {
          a: {
            build: { dockerfile_inline: 'FROM x' },
            pull_policy: 'if_not_present',
            volumes: [{ type: 'volume', target: '/data/../x/' }],
          },
          m: { provider: { type: 'model' } },
          h: { network_mode: 'host' },
        },
        secrets: { s: { external: 'true' } },
      },
      {},
    ) as any;
    expect(out.services.a).toStrictEqual({
      build: { context: '.', dockerfile_inline: 'FROM x' },
      pull_policy: 'missing',
      volumes: [{ type: 'volume', target: '/x' }],
      networks: { default: null },
    });
    expect(out.services.m).toStrictEqual({ provider: { type: 'model' } });
    expect(out.services.h).toStrictEqual({ network_mode: 'host' });
    expect(out.secrets).toStrictEqual({ s: { external: 'true', name: 's' } });
  });

  it('a resource to be prefixed without a project name is an error', () => {
    expect(() => normalizeTree({ volumes: { v: {} } }, {})).toThrow('project name must not be empty');
  });
});
