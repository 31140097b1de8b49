import { describe, expect, it } from 'vitest';
import { FlotillaError, InvalidFileError } from '../../src/errors.js';
import { OverrideTag, ResetTag } from '../../src/model/tags.js';
import { formatPath, parseComposeYaml } from '../../src/model/yaml.js';

function parseOne(text: string): { value: any; positionOf: (path: (string | number)[]) => unknown } {
  const documents = parseComposeYaml(text, 'compose.yaml');
  expect(documents).toHaveLength(1);
  const [document] = documents;
  return { value: document!.value, positionOf: (path) => document!.sourceMap.positionOf(path) };
}

function parseError(text: string, options?: { maxNodes?: number }): InvalidFileError {
  try {
    parseComposeYaml(text, 'compose.yaml', options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFileError);
    expect((error as FlotillaError).exitCode).toBe(15);
    expect((error as FlotillaError).oneLine()).not.toContain('\n');
    return error as InvalidFileError;
  }
  throw new Error('expected an error');
}

describe('yaml: plain trees', () => {
  it('gives plain objects, arrays and YAML 1.2 core scalars', () => {
    const { value } = parseOne(
      'a: 1\nb: 1.5\nc: true\nd: yes\ne: ~\nf:\ng: "8080"\nh: 0x10\ni: 0o14\nj: [x, {k: v}]\nk: 2001-12-14\n',
    );
    expect(value).toStrictEqual({
      a: 1, b: 1.5, c: true, d: 'yes', e: null, f: null, g: '8080', h: 16, i: 12,
      j: ['x', { k: 'v' }], k: '2001-12-14',
    });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reads numbers as the reference YAML library does (0440 is octal, _ separates digits)', () => {
    const { value } = parseOne(
      'mode: 0440\nbig: 1_000\nneg: -0o14\nbin: 0b101\nhex: 0X1f\nhalf: .5\nexp: 1e3\ninf: +.inf\nnan: .NaN\n' +
        'eight: 08\nzero: -0\nsign: "+"\ndate: 2001-12-14\ntime: 1:30\nver: 1.2.3\nquoted: "0440"\ntagged: !!str 0440\n',
    );
    expect(value).toStrictEqual({
      mode: 288, big: 1000, neg: -12, bin: 5, hex: 31, half: 0.5, exp: 1000, inf: Infinity, nan: NaN,
      eight: 8, zero: 0, sign: '+', date: '2001-12-14', time: '1:30', ver: '1.2.3', quoted: '0440', tagged: '0440',
    });
  });

  it('turns non-string keys into their text', () => {
    const { value } = parseOne('1: one\ntrue: yes-key\n1.0: float\n0x10: hex\nnull: n\n');
    expect(Object.keys(value)).toEqual(['1', 'true', '1.0', '0x10', 'null']);
    expect(value['0x10']).toBe('hex');
  });

  it('rejects a collection used as a key, naming where', () => {
    const error = parseError('services:\n  ? [a, b]\n  : x\n');
    expect(error.message).toBe('non-string key in services');
    expect(error.position).toEqual({ file: 'compose.yaml', line: 2, col: 5 });
  });

  it('keeps __proto__ as an ordinary key without touching prototypes', () => {
    const { value } = parseOne('__proto__:\n  polluted: yes\nservices:\n  __proto__: {image: x}\n');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'services']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(Object.keys(value.services)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(value.services)).toBe('{"__proto__":{"image":"x"}}');
  });

  it('gives one document per --- and none for an empty file', () => {
    expect(parseComposeYaml('', 'compose.yaml')).toEqual([]);
    expect(parseComposeYaml('# only a comment\n', 'compose.yaml').every((d) => d.value === null)).toBe(true);
    const documents = parseComposeYaml('a: 1\n---\nb: 2\n', 'compose.yaml');
    expect(documents.map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(documents[1]!.sourceMap.positionOf(['b'])).toEqual({ file: 'compose.yaml', line: 3, col: 4 });
  });

  it('does not share anchors between documents', () => {
    const error = parseError('a: &x 1\n---\nb: *x\n');
    expect(error.message).toContain('unknown anchor "x"');
    expect(error.position?.line).toBe(3);
  });
});

describe('yaml: anchors, aliases and merge keys', () => {
  it('expands aliases into independent copies', () => {
    const { value } = parseOne('x-env: &env {A: "1"}\nservices:\n  a: {environment: *env}\n  b: {environment: *env}\n');
    expect(value.services.a.environment).toEqual({ A: '1' });
    expect(value.services.a.environment).not.toBe(value.services.b.environment);
  });

  it('merges << mappings with the keys written in place winning', () => {
    const { value } = parseOne(
      [
        'x-base: &base',
        '  image: nginx',
        '  restart: always',
        '  labels: {a: "1"}',
        'services:',
        '  web:',
        '    image: mine',
        '    <<: *base',
        '    ports: ["80"]',
      ].join('\n'),
    );
    expect(value.services.web).toEqual({ image: 'mine', restart: 'always', labels: { a: '1' }, ports: ['80'] });
  });

  it('merges a sequence of mappings, the first one winning', () => {
    const { value } = parseOne(
      'x-a: &a {image: a, user: ua}\nx-b: &b {image: b, tty: true}\ns:\n  <<: [*a, *b, {init: true}]\n',
    );
    expect(value.s).toEqual({ image: 'a', user: 'ua', tty: true, init: true });
  });

  it('accepts an anchor on a sequence of mappings as a merge value', () => {
    const { value } = parseOne('x-list: &alist\n  - image: nginx\nservices:\n  s1:\n    <<: *alist\n');
    expect(value.services.s1).toEqual({ image: 'nginx' });
  });

  it('rejects << on a scalar', () => {
    const error = parseError('x-scalar: &s "not-a-map"\nservices:\n  s1:\n    <<: *s\n');
    expect(error.message).toContain('map merge requires map');
    expect(error.position).toEqual({ file: 'compose.yaml', line: 4, col: 9 });
  });

  it('treats a quoted "<<" as an ordinary key', () => {
    expect(parseOne('"<<": {a: 1}\n').value).toEqual({ '<<': { a: 1 } });
  });

  it('reports an anchor used inside itself as a cycle', () => {
    const error = parseError('x-healthcheck: &healthcheck\n  egress-service:\n    <<: *healthcheck\n');
    expect(error.message).toMatch(/^cycle detected: node at path x-healthcheck\.egress-service\.egress-service references node at path x-healthcheck\.egress-service$/);
    expect(error.position).toEqual({ file: 'compose.yaml', line: 3, col: 9 });
  });

  it('accepts shared anchors that are not cycles', () => {
    const { value } = parseOne('services:\n  test.unit: &shared\n    image: alpine\n  test: *shared\n  test.other: *shared\n');
    expect(Object.keys(value.services)).toEqual(['test.unit', 'test', 'test.other']);
  });

  it('stops an alias bomb quickly with a clear error', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    const names = 'abcdefghij';
    for (let i = 1; i < names.length; i++) {
      const previous = `*${names[i - 1]}`;
      lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(previous).join(', ')}]`);
    }
    const started = performance.now();
    const error = parseError(lines.join('\n') + '\n');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.message).toContain('excessive aliasing');
    expect(error.position?.line).toBeGreaterThan(1);
    expect(error.hint).toBe('reduce nested aliases (*name) of large anchors');
  });

  it('caps the number of nodes of a document', () => {
    const big = 'x:\n' + Array.from({ length: 60 }, (_, i) => `  k${i}: v`).join('\n') + '\n';
    expect(parseError(big, { maxNodes: 50 }).message).toBe('compose file exceeds maximum node visit limit (50)');
    expect(() => parseComposeYaml(big, 'compose.yaml', { maxNodes: 100 })).not.toThrow();
  });

  it('loads a large legitimate file (400 services x 122 variables)', () => {
    let text = 'name: test\nservices:\n';
    for (let s = 0; s < 400; s++) {
      text += `  svc${s}:\n    image: alpine\n    environment:\n`;
      for (let e = 0; e < 122; e++) text += `      KEY_${e}: val\n`;
    }
    const [document] = parseComposeYaml(text, 'compose.yaml');
    expect(Object.keys((document!.value as any).services)).toHaveLength(400);
  });
});

describe('yaml: !reset and !override', () => {
  it('wraps tagged values', () => {
    const { value } = parseOne(
      'services:\n  web:\n    ports: !reset []\n    command: !reset\n    image: !reset nginx\n    networks: !override {a: {}}\n    dns: !override [1.1.1.1]\n',
    );
    const web = value.services.web;
    expect(web.ports).toBeInstanceOf(ResetTag);
    expect(web.ports.value).toEqual([]);
    expect(web.command).toEqual(new ResetTag(null));
    expect(web.image).toEqual(new ResetTag('nginx'));
    expect(web.networks).toBeInstanceOf(OverrideTag);
    expect(web.networks.value).toEqual({ a: {} });
    expect(web.dns).toEqual(new OverrideTag(['1.1.1.1']));
  });

  it('keeps tags through aliases and merge keys', () => {
    const { value } = parseOne(
      'x-reset: &reset-ports\n  ports: !reset []\nx-ov: &ov !override {}\nservices:\n  a:\n    <<: *reset-ports\n  b:\n    networks: *ov\n',
    );
    expect(value.services.a.ports).toEqual(new ResetTag([]));
    expect(value.services.b.networks).toEqual(new OverrideTag({}));
  });
});

describe('yaml: errors', () => {
  it('rejects a duplicate key with the reference message at the second key', () => {
    const error = parseError('name: test\nservices:\n  foo:\n    command: hello\n    command: !reset hello world\n');
    expect(error.message).toBe('mapping key "command" already defined at line 4');
    expect(error.position).toEqual({ file: 'compose.yaml', line: 5, col: 5 });
    expect(error.oneLine()).toMatch(/^compose\.yaml:5:5: mapping key "command" already defined at line 4 \(.+\)$/);
  });

  it('counts "1" and 1 as the same key', () => {
    expect(parseError('a:\n  1: x\n  "1": y\n').message).toBe('mapping key "1" already defined at line 2');
  });

  it('rejects two merge keys in one mapping', () => {
    expect(parseError('x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n').message).toContain('mapping key "<<" already defined');
  });

  it('reports a syntax error on one line with its position and the reason', () => {
    const error = parseError('services:\n  web:\n    image: "nginx\n');
    expect(error.position?.file).toBe('compose.yaml');
    expect(error.position?.line).toBeGreaterThanOrEqual(3);
    expect(error.message.toLowerCase()).toContain('quote');
    const bad = parseError('services:\n  web: image: x\n');
    expect(bad.message).toBe('Nested mappings are not allowed in compact mappings');
    expect(bad.position).toEqual({ file: 'compose.yaml', line: 2, col: 8 });
  });

  it('rejects a document nested too deeply instead of overflowing the stack', () => {
    const error = parseError('a: ' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n');
    expect(error.message).toBe('the document is nested too deeply');
    expect(error.position).toEqual({ file: 'compose.yaml', line: 1, col: 1 });
  });

  it('reports a tab used for indentation', () => {
    const error = parseError('services:\n\tweb: {}\n');
    expect(error.position).toMatchObject({ line: 2, col: 1 });
  });
});

describe('yaml: source map', () => {
  const text = [
    'x-base: &base', // 1
    '  image: nginx', // 2
    '  environment:', // 3
    '    A: "1"', // 4
    'services:', // 5
    '  web:', // 6
    '    <<: *base', // 7
    '    ports:', // 8
    '      - "80:80"', // 9
    '      - target: 81', // 10
    '    tty:', // 11
    '  db: *base', // 12
  ].join('\n');
  const { positionOf } = parseOne(text);
  const at = (line: number, col: number) => ({ file: 'compose.yaml', line, col });

  it('locates values by path', () => {
    expect(positionOf([])).toEqual(at(1, 1));
    expect(positionOf(['services', 'web', 'ports', 0])).toEqual(at(9, 9));
    expect(positionOf(['services', 'web', 'ports', 1, 'target'])).toEqual(at(10, 17));
  });

  it('uses the key for an empty value', () => {
    expect(positionOf(['services', 'web', 'tty'])).toEqual(at(11, 5));
  });

  it('follows merge keys and aliases into the anchored node', () => {
    expect(positionOf(['services', 'web', 'image'])).toEqual(at(2, 10));
    expect(positionOf(['services', 'db'])).toEqual(at(12, 7));
    expect(positionOf(['services', 'db', 'environment', 'A'])).toEqual(at(4, 8));
  });

  it('falls back to the nearest ancestor', () => {
    expect(positionOf(['services', 'web', 'ports', 7])).toEqual(at(9, 7));
    expect(positionOf(['services', 'nope', 'image'])).toEqual(at(6, 3));
  });

  it('formats paths for messages', () => {
    expect(formatPath(['services', 'web', 'ports', 0, 'target'])).toBe('services.web.ports[0].target');
    expect(formatPath([])).toBe('');
  });
});
