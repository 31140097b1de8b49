import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML, { YAMLMap, YAMLSeq, type CollectionTag, type ScalarTag } from 'yaml';
import { enforceUnicity, mergeDocuments, mergeServiceDefinitions, stripTags } from '../../src/model/merge.js';
import { OverrideTag, ResetTag } from '../../src/model/tags.js';
import { InvalidFileError } from '../../src/errors.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const vectorsDir = path.resolve(projectRoot(), '../shared/conformance/compose-go/merge');

// `!reset` / `!override` as the compose YAML parser represents them: wrappers around the value.
function wrapperTags(tag: string, Wrap: typeof ResetTag | typeof OverrideTag): Array<ScalarTag | CollectionTag> {
  class TaggedMap extends YAMLMap {
    override toJSON(_?: unknown, ctx?: Parameters<YAMLMap['toJSON']>[1]): any {
      return new Wrap(super.toJSON(_, ctx));
    }
  }
  class TaggedSeq extends YAMLSeq {
    override toJSON(_?: unknown, ctx?: Parameters<YAMLSeq['toJSON']>[1]): any {
      return new Wrap(super.toJSON(_, ctx));
    }
  }
  return [
    { tag, resolve: (s: string) => new Wrap(s === '' ? null : s) },
    { tag, collection: 'map', nodeClass: TaggedMap, resolve: (m) => Object.assign(new TaggedMap(), m) },
    { tag, collection: 'seq', nodeClass: TaggedSeq, resolve: (s) => Object.assign(new TaggedSeq(), s) },
  ] as Array<ScalarTag | CollectionTag>;
}

const customTags = [...wrapperTags('!reset', ResetTag), ...wrapperTags('!override', OverrideTag)];

function parseCompose(text: string): unknown {
  return YAML.parse(text, { customTags, merge: true });
}

interface MergeVector {
  name: string;
  steps: string[];
  base?: string;
  override?: string;
  input?: string;
  expected: string;
}

const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('merge vectors', () => {
  it('are all present', () => {
    expect(files.length).toBe(71);
  });
});

for (const file of files) {
  const vector = YAML.parse(readFileSync(path.join(vectorsDir, file), 'utf8')) as MergeVector;
  describe(`merge/${file}`, () => {
    it(vector.name, () => {
      let tree: unknown = vector.steps.includes('merge')
        ? mergeDocuments(parseCompose(vector.base ?? ''), parseCompose(vector.override ?? ''))
        : stripTags(parseCompose(vector.input ?? ''));
      if (vector.steps.includes('enforce_unicity')) tree = enforceUnicity(tree);
      expect(tree).toStrictEqual(parseCompose(vector.expected));
    });
  });
}

describe('merge: !reset and !override', () => {
  const merge = (base: string, override: string) => mergeDocuments(parseCompose(base), parseCompose(override));

  it('!reset removes an inherited attribute and a single mapping entry', () => {
    const out = merge(
      'services:\n  foo:\n    build: {context: ., dockerfile: foo.Dockerfile}\n    environment: {FOO: BAR, KEEP: x}\n',
      'services:\n  foo:\n    image: foo\n    build: !reset\n    environment:\n      FOO: !reset\n',
    );
    expect(out).toEqual({ services: { foo: { image: 'foo', environment: ['KEEP=x'] } } });
  });

  it('!reset [] on a sequence clears it', () => {
    const out = merge('services:\n  a:\n    ports: ["8080:80"]\n', 'services:\n  a:\n    ports: !reset []\n');
    expect(out).toEqual({ services: { a: {} } });
  });

  it('!reset {} removes a whole network', () => {
    const out = merge('networks:\n  test: {name: test, external: true}\n', 'networks:\n  test: !reset {}\n');
    expect(out).toEqual({ networks: {} });
  });

  it('!override replaces instead of merging', () => {
    const out = merge(
      'networks:\n  test: {name: test, external: true}\nservices:\n  a:\n    ports: ["8080:80"]\n',
      'networks:\n  test: !override {}\nservices:\n  a:\n    ports: !override ["9090:90"]\n',
    );
    expect(out).toEqual({ networks: { test: {} }, services: { a: { ports: ['9090:90'] } } });
  });

  it('!override on a special attribute keeps the override form as written', () => {
    const out = merge(
      'services:\n  a:\n    environment: {A: "1", B: "2"}\n',
      'services:\n  a:\n    environment: !override {C: "3"}\n',
    );
    expect(out).toEqual({ services: { a: { environment: { C: '3' } } } });
  });

  it('a !reset inside an anchor applies wherever the anchor is merged', () => {
    const out = merge(
      'services:\n  s1: {image: alpine, ports: ["8080:80"]}\n  s2: {image: nginx, ports: ["9090:90"]}\n',
      'x-reset-ports: &r\n  ports: !reset []\nservices:\n  s1:\n    <<: *r\n  s2:\n    <<: *r\n',
    );
    expect(out).toEqual({ 'x-reset-ports': {}, services: { s1: { image: 'alpine' }, s2: { image: 'nginx' } } });
  });

  it('!reset on an attribute the base does not have only drops it', () => {
    expect(merge('services:\n  a: {image: x}\n', 'services:\n  a:\n    command: !reset ls\n')).toEqual({
      services: { a: { image: 'x' } },
    });
  });

  it('stripTags removes !reset values and unwraps !override values of a lone file', () => {
    const tree = parseCompose(
      'services:\n  a:\n    image: x\n    command: !reset ls\n    ports: !override ["80"]\n    dns: [!reset 1.1.1.1, 8.8.8.8]\n',
    );
    expect(stripTags(tree)).toEqual({ services: { a: { image: 'x', ports: ['80'], dns: ['8.8.8.8'] } } });
  });

  it('does not mutate its inputs', () => {
    const base = parseCompose('services:\n  a:\n    environment: {A: "1"}\n    ports: ["80"]\n');
    const override = parseCompose('services:\n  a:\n    environment: [B=2]\n    ports: !reset []\n');
    const before = JSON.stringify([base, override]);
    mergeDocuments(base, override);
    enforceUnicity(base);
    expect(JSON.stringify([base, override])).toBe(before);
    expect((override as any).services.a.ports).toBeInstanceOf(ResetTag);
  });
});

describe('merge: errors and corner cases', () => {
  const merge = (base: string, override: string) => mergeDocuments(parseCompose(base), parseCompose(override));

  it('a mapping overridden by a sequence is an error naming the path', () => {
    expect(() => merge('services:\n  a:\n    deploy: {replicas: 1}\n', 'services:\n  a:\n    deploy: [x]\n')).toThrow(
      new InvalidFileError('cannot override services.a.deploy'),
    );
  });

  it('a sequence overridden by a scalar is an error naming the path', () => {
    expect(() => merge('services:\n  a:\n    volumes: [/a]\n', 'services:\n  a:\n    volumes: /b\n')).toThrow(
      'cannot override services.a.volumes',
    );
  });

  it('a null override keeps the base value, except for replaced attributes', () => {
    expect(
      merge('services:\n  a: {image: x, command: ls}\n', 'services:\n  a: {image: null, command: null}\n'),
    ).toEqual({
      services: { a: { image: 'x', command: null } },
    });
  });

  it('formats non-string values like the reference loader when converting to KEY=VALUE', () => {
    const out = merge(
      'services:\n  a:\n    labels: {b: true, a: 1.5, c: 10, d: null, e: ""}\n',
      'services:\n  a:\n    labels: {}\n',
    );
    expect(out).toEqual({ services: { a: { labels: ['a=1.5', 'b=true', 'c=10', 'd', 'e='] } } });
  });

  it('a top-level document that is not a mapping is rejected', () => {
    expect(() => mergeDocuments({}, ['x'])).toThrow('top-level object must be a mapping');
  });

  it('unicity reports a long port without target', () => {
    expect(() => enforceUnicity({ services: { a: { ports: [{ published: 80 }] } } })).toThrow(
      'service ports services.a.ports.[0] is missing a target port',
    );
  });

  it('unicity identifies short volumes by their target, including Windows drives', () => {
    const out = enforceUnicity({
      services: { a: { volumes: ['C:\\data:/data', './x:/data:ro', 'vol:/other', '/anon'] } },
    });
    expect(out).toEqual({ services: { a: { volumes: ['./x:/data:ro', 'vol:/other', '/anon'] } } });
  });

  it('unicity identifies secrets by target, defaulting to /run/secrets/<source>', () => {
    const out = enforceUnicity({
      services: { a: { secrets: ['s', { source: 's' }, { source: 't', target: '/run/secrets/s' }, 'u'] } },
    });
    expect(out).toEqual({ services: { a: { secrets: [{ source: 't', target: '/run/secrets/s' }, 'u'] } } });
  });

  it('extends merges a service onto its base with the same rules', () => {
    const out = mergeServiceDefinitions(
      { image: 'x', environment: { A: '1' }, command: ['a'], build: '.' },
      { environment: ['B=2'], command: ['b'], build: { dockerfile: 'D' }, ports: new ResetTag(null) },
    );
    expect(out).toEqual({
      image: 'x',
      environment: ['A=1', 'B=2'],
      command: ['b'],
      build: { context: '.', dockerfile: 'D' },
    });
  });
});
