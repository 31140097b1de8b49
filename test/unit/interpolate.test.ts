import { describe, expect, it } from 'vitest';
import { InvalidFileError } from '../../src/errors.js';
import { interpolateTree, InterpolationError } from '../../src/model/interpolate.js';
import { OverrideTag, ResetTag } from '../../src/model/tags.js';
import { substitute, extractVariables, type Lookup } from '../../src/model/template.js';
import { parseComposeYaml } from '../../src/model/yaml.js';

const env =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

function failure(run: () => unknown): InterpolationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InterpolationError);
    expect(error).toBeInstanceOf(InvalidFileError);
    return error as InterpolationError;
  }
  throw new Error('expected an error');
}

describe('interpolateTree', () => {
  it('substitutes values, never keys, and leaves the input untouched', () => {
    const input = { services: { $WEB: { image: 'nginx:${TAG}', environment: ['A=$A', '$$B'] } } };
    const { value } = interpolateTree(input, env({ TAG: '1.25', A: 'a', WEB: 'x' }));
    expect(value).toEqual({ services: { $WEB: { image: 'nginx:1.25', environment: ['A=a', '$B'] } } });
    expect(input.services.$WEB.image).toBe('nginx:${TAG}');
  });

  it('reports unset variables once, as warnings', () => {
    const result = interpolateTree({ a: '$X', b: ['${X}', '${Y:-d}', '${Z}'] }, env({}));
    expect(result.unsetVariables).toEqual(['X', 'Z']);
    expect(result.warnings).toContain('The "X" variable is not set. Defaulting to a blank string.');
  });

  it('casts values at the compose paths after substitution', () => {
    const input = {
      services: {
        web: {
          scale: '${N}',
          cpus: '0.5',
          tty: 'TRUE',
          privileged: '$NO',
          ports: [{ target: '${PORT}', published: '8080' }],
          ulimits: { nofile: { soft: '10', hard: '20' }, nproc: '65535' },
          depends_on: { db: { required: 'false', condition: 'service_started' } },
          environment: { N: '${N}' },
        },
      },
      networks: { front: { external: 'yes' } },
    };
    const result = interpolateTree(input, env({ N: '3', PORT: '80', NO: 'off' }));
    const web = (result.value as any).services.web;
    expect(web.scale).toBe(3);
    expect(web.cpus).toBe(0.5);
    expect(web.tty).toBe(true);
    expect(web.privileged).toBe(false);
    expect(web.ports[0]).toEqual({ target: 80, published: '8080' });
    expect(web.ulimits).toEqual({ nofile: { soft: 10, hard: 20 }, nproc: 65535 });
    expect(web.depends_on.db.required).toBe(false);
    expect(web.environment.N).toBe('3');
    expect((result.value as any).networks.front.external).toBe(true);
    expect(result.warnings).toEqual([
      'services.web.privileged: "off" for boolean is not supported by YAML 1.2, please use `false`',
      'networks.front.external: "yes" for boolean is not supported by YAML 1.2, please use `true`',
    ]);
  });

  it('rejects a value that cannot be cast, at its path', () => {
    const error = failure(() => interpolateTree({ services: { web: { scale: '${N}' } } }, env({ N: 'many' })));
    expect(error.message).toBe(
      'error while interpolating services.web.scale: failed to cast to expected type: "many" is not an integer',
    );
    expect(error.path).toEqual(['services', 'web', 'scale']);
    expect(failure(() => interpolateTree({ services: { w: { tty: 'maybe' } } }, env({}))).message).toContain(
      'invalid boolean: maybe',
    );
    expect(failure(() => interpolateTree({ services: { w: { cpus: '1,5' } } }, env({}))).message).toContain(
      'is not a number',
    );
  });

  it('keeps !reset / !override wrappers and interpolates inside them', () => {
    const { value } = interpolateTree({ a: new ResetTag('${X}'), b: new OverrideTag(['$X']) }, env({ X: 'x' }));
    expect(value).toEqual({ a: new ResetTag('x'), b: new OverrideTag(['x']) });
    expect((value as any).a).toBeInstanceOf(ResetTag);
  });

  it('keeps a __proto__ key as data', () => {
    const [document] = parseComposeYaml('x:\n  __proto__: {a: $A}\n', 'compose.yaml');
    const { value } = interpolateTree(document!.value, env({ A: 'ok' }));
    expect(JSON.stringify(value)).toBe('{"x":{"__proto__":{"a":"ok"}}}');
  });

  it('places errors in the file with the source map', () => {
    const text = 'services:\n  web:\n    image: "nginx:${TAG:?set the tag}"\n    command: "echo ${"\n';
    const [document] = parseComposeYaml(text, 'compose.yaml');
    const options = { sourceMap: document!.sourceMap };
    const required = failure(() => interpolateTree(document!.value, env({}), options));
    expect(required.oneLine()).toMatch(
      /^compose\.yaml:3:12: error while interpolating services\.web\.image: required variable TAG is missing a value: set the tag \(.+\)$/,
    );
    const invalid = failure(() => interpolateTree(document!.value, env({ TAG: '1' }), options));
    expect(invalid.oneLine()).toBe(
      'compose.yaml:4:14: invalid interpolation format for services.web.command. You may need to escape any $ with another $. echo ${',
    );
    expect(invalid.message).not.toContain('\n');
  });

  it('names list items by index', () => {
    const error = failure(() => interpolateTree({ services: { web: { volumes: ['ok', '${ bad}'] } } }, env({})));
    expect(error.message).toContain('invalid interpolation format for services.web.volumes[1].');
  });
});

describe('substitute', () => {
  it('follows the reference loader on greedy braces and nesting', () => {
    const lookup = env({ A: 'a', E: '' });
    expect(substitute('${A:-x} and ${B:-y} and $A', lookup).value).toBe('a and y and a');
    expect(substitute('${B:-${E:-${A}}}-${E-unset}', lookup).value).toBe('a-');
    expect(substitute('${A:+[$A]}${E:+no}${E+yes}', lookup).value).toBe('[a]yes');
    expect(substitute('$1 $- ${A}', lookup).value).toBe('$1 $- a');
  });
});

describe('extractVariables', () => {
  it('lists variables of values inside wrappers and ignores keys and escapes', () => {
    const variables = extractVariables({ $KEY: 'x', a: new ResetTag('${R:?required}'), b: '$$NOT ${D-def}' });
    expect([...variables.keys()].sort()).toEqual(['D', 'R']);
    expect(variables.get('R')).toEqual({ name: 'R', required: true });
    expect(variables.get('D')).toEqual({ name: 'D', defaultValue: 'def', required: false });
  });
});
