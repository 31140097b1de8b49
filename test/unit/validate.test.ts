import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { compileSchema, formatSchemaIssue, validateComposeTree, type SchemaIssue } from '../../src/model/validate.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const root = projectRoot();
const corpusDir = path.resolve(root, '../shared/corpus');

const invalid: Array<[string, unknown, SchemaIssue[]]> = [
  [
    'unknown service keys are listed together',
    { services: { web: { image: 'x', foo: 1, bar: 2 } } },
    [{ path: ['services', 'web'], message: "additional properties 'foo', 'bar' not allowed" }],
  ],
  ['unknown top-level key', { foo: 1 }, [{ path: [], message: "additional properties 'foo' not allowed" }]],
  [
    'image must be a string',
    { services: { foo: { image: 1 } } },
    [{ path: ['services', 'foo', 'image'], message: 'must be a string' }],
  ],
  [
    'environment value of a wrong type',
    { services: { foo: { environment: { FOO: [1] } } } },
    [{ path: ['services', 'foo', 'environment', 'FOO'], message: 'must be a boolean, null, number or string' }],
  ],
  [
    'environment neither list nor mapping',
    { services: { foo: { environment: 5 } } },
    [{ path: ['services', 'foo', 'environment'], message: 'must be a mapping (or array)' }],
  ],
  [
    'a long port with a bad published value points at that field',
    { services: { foo: { ports: [{ target: 80, published: true }] } } },
    [{ path: ['services', 'foo', 'ports', 0, 'published'], message: 'must be a integer or string' }],
  ],
  [
    'a port of no accepted type names them all',
    { services: { foo: { ports: [true] } } },
    [{ path: ['services', 'foo', 'ports', 0], message: 'must be a number (or mapping or string)' }],
  ],
  [
    'short ports that do not parse',
    { services: { foo: { ports: ['80:80:80', '8080:80', '80/xyz', '127.0.0.1::99999'] } } },
    [
      {
        path: ['services', 'foo', 'ports', 0],
        message: '"80:80:80" is not a valid port (expected [HOST:]CONTAINER[/PROTO])',
      },
      {
        path: ['services', 'foo', 'ports', 2],
        message: '"80/xyz" is not a valid port (expected [HOST:]CONTAINER[/PROTO])',
      },
      {
        path: ['services', 'foo', 'ports', 3],
        message: '"127.0.0.1::99999" is not a valid port (expected [HOST:]CONTAINER[/PROTO])',
      },
    ],
  ],
  [
    'unknown key in a long port',
    { services: { foo: { ports: [{ target: 80, hostport: 8080 }] } } },
    [{ path: ['services', 'foo', 'ports', 0], message: "additional properties 'hostport' not allowed" }],
  ],
  [
    'build of a wrong type',
    { services: { foo: { build: 5 } } },
    [{ path: ['services', 'foo', 'build'], message: 'must be a string (or mapping)' }],
  ],
  [
    'unknown build keys',
    { services: { foo: { build: { context: '.', foo: 1, bar: 2 } } } },
    [{ path: ['services', 'foo', 'build'], message: "additional properties 'foo', 'bar' not allowed" }],
  ],
  [
    'pull_policy outside its pattern',
    { services: { foo: { pull_policy: 'sometimes' } } },
    [
      {
        path: ['services', 'foo', 'pull_policy'],
        message:
          "'sometimes' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'",
      },
    ],
  ],
  [
    'depends_on condition outside its enum',
    { services: { foo: { depends_on: { bar: { condition: 'service_ok' } } } } },
    [
      {
        path: ['services', 'foo', 'depends_on', 'bar', 'condition'],
        message: "value must be one of 'service_started', 'service_healthy', 'service_completed_successfully'",
      },
    ],
  ],
  [
    'depends_on required is a plain boolean',
    { services: { a: { depends_on: { b: { required: 'yes' } } } } },
    [{ path: ['services', 'a', 'depends_on', 'b', 'required'], message: 'must be a boolean' }],
  ],
  [
    'a volume that is not a mapping',
    { volumes: { data: 'x' } },
    [{ path: ['volumes', 'data'], message: 'must be a mapping or null' }],
  ],
  [
    'a service name outside the allowed characters',
    { services: { 'bad name': { image: 'x' } } },
    [{ path: ['services'], message: "additional properties 'bad name' not allowed" }],
  ],
  [
    'duplicate capabilities',
    { services: { a: { cap_add: ['NET_ADMIN', 'NET_ADMIN'] } } },
    [{ path: ['services', 'a', 'cap_add'], message: 'items at 0 and 1 are equal' }],
  ],
  [
    'cpus of a wrong type',
    { services: { a: { deploy: { resources: { limits: { cpus: true } } } } } },
    [{ path: ['services', 'a', 'deploy', 'resources', 'limits', 'cpus'], message: 'must be a number or string' }],
  ],
  [
    'watch rule without action',
    { services: { a: { develop: { watch: [{ path: '.' }] } } } },
    [{ path: ['services', 'a', 'develop', 'watch', 0], message: "missing property 'action'" }],
  ],
  [
    'watch action outside its enum',
    { services: { a: { develop: { watch: [{ path: '.', action: 'reload' }] } } } },
    [
      {
        path: ['services', 'a', 'develop', 'watch', 0, 'action'],
        message: "value must be one of 'rebuild', 'sync', 'restart', 'sync+restart', 'sync+exec'",
      },
    ],
  ],
  [
    'a negative tmpfs size',
    { services: { a: { volumes: [{ type: 'tmpfs', target: '/x', tmpfs: { size: -1 } }] } } },
    [{ path: ['services', 'a', 'volumes', 0, 'tmpfs', 'size'], message: 'must be greater than or equal to 0' }],
  ],
  [
    'a volume type outside its enum',
    { services: { a: { volumes: [{ type: 'disk', target: '/x' }] } } },
    [
      {
        path: ['services', 'a', 'volumes', 0, 'type'],
        message: "value must be one of 'bind', 'volume', 'tmpfs', 'cluster', 'npipe', 'image'",
      },
    ],
  ],
  [
    'independent failures give one issue each, sequence indexes are numbers',
    { services: { a: { image: ['x'] }, b: { command: 5 } }, networks: { n: { ipam: { config: [{ subnet: 1 }] } } } },
    [
      { path: ['services', 'a', 'image'], message: 'must be a string' },
      { path: ['services', 'b', 'command'], message: 'must be a null (or array or string)' },
      { path: ['networks', 'n', 'ipam', 'config', 0, 'subnet'], message: 'must be a string' },
    ],
  ],
  [
    'a mapping key that looks like an index stays a string',
    { services: { '0': { image: 1 } } },
    [{ path: ['services', '0', 'image'], message: 'must be a string' }],
  ],
];

function sortIssues(issues: SchemaIssue[]): SchemaIssue[] {
  return [...issues].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('validateComposeTree: invalid trees', () => {
  for (const [title, tree, expected] of invalid) {
    it(title, () => {
      expect(sortIssues(validateComposeTree(tree))).toStrictEqual(sortIssues(expected));
    });
  }

  it('formats issues as the reference loader does', () => {
    const issues = validateComposeTree({ services: { web: { image: 'x', foo: 1 } } });
    expect(issues.map(formatSchemaIssue)).toEqual(["services.web additional properties 'foo' not allowed"]);
    expect(formatSchemaIssue({ path: [], message: "additional properties 'x' not allowed" })).toBe(
      "additional properties 'x' not allowed",
    );
  });
});

describe('validateComposeTree: valid trees', () => {
  it('accepts the short and long forms and extension keys', () => {
    const tree = {
      name: 'p',
      'x-common': { anything: [1, 2] },
      services: {
        web: {
          image: 'nginx',
          ports: [
            '80',
            '8080:80',
            '127.0.0.1:8443:443/tcp',
            '[::1]:53:53/udp',
            '9000-9001:9000-9001',
            3000,
            { target: 80 },
          ],
          environment: ['A=1', 'B'],
          depends_on: ['db'],
          build: '.',
          'x-note': 'ok',
        },
        db: {
          image: 'postgres',
          environment: { A: 1, B: null, C: true },
          depends_on: { web: { condition: 'service_started' } },
        },
      },
      volumes: { data: null, other: { external: true } },
      networks: { front: {} },
    };
    expect(validateComposeTree(tree)).toStrictEqual([]);
  });

  it('leaves ports with variables to interpolation', () => {
    expect(validateComposeTree({ services: { a: { image: 'x', ports: ['${PORT}:80'] } } })).toStrictEqual([]);
  });

  const corpus = listCorpus(corpusDir);
  it('the corpus is there', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });
  for (const file of corpus) {
    it(`corpus: ${path.relative(corpusDir, file)}`, () => {
      const tree = YAML.parse(readFileSync(file, 'utf8'), { merge: true });
      expect(validateComposeTree(tree).map(formatSchemaIssue)).toStrictEqual([]);
    });
  }
});

describe('the precompiled schema validator', () => {
  it('was generated from the vendored schema (run `npm run gen:schema-types` after changing it)', () => {
    const schema = readFileSync(path.join(root, 'schema/compose-spec.json'));
    const generated = readFileSync(path.join(root, 'schema/compose-spec.validate.cjs'), 'utf8');
    const hash = createHash('sha256').update(schema).digest('hex');
    expect(generated).toContain(`// schema-sha256: ${hash}`);
  });

  it('agrees with the schema compiled at run time', () => {
    const runtime = compileSchema();
    const precompiled = createRequire(import.meta.url)('../../schema/compose-spec.validate.cjs') as typeof runtime;
    const trees = [...invalid.map(([, tree]) => tree), { services: { a: { image: 'x' } } }];
    for (const tree of trees) {
      expect(runtime(tree)).toBe(precompiled(tree));
      expect(runtime.errors ?? null).toStrictEqual(precompiled.errors ?? null);
    }
    expect(runtime({ services: { a: { image: 1 } } })).toBe(false);
  });
});

function listCorpus(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listCorpus(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}
