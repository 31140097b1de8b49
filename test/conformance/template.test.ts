import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { interpolateTree, matchesPath, type CastType } from '../../src/model/interpolate.js';
import {
  earliestOperator,
  extractVariables,
  MissingRequiredError,
  substitute,
  type Lookup,
} from '../../src/model/template.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const vectors = path.resolve(projectRoot(), '../shared/conformance/compose-go');
const load = <T>(file: string): T[] => JSON.parse(readFileSync(path.join(vectors, file), 'utf8')) as T[];
const lookupIn =
  (env: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(env, name) ? env[name] : undefined;

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** The reference loader writes some messages on several lines; ours are one line. */
const oneLine = (message: string): string => message.replace(/\n/g, ' ');

interface StringCase {
  name: string;
  template: string;
  env: Record<string, string>;
  expected?: string;
  error?: string;
  error_exact?: boolean;
  error_type?: string;
  error_fields?: { variable: string; reason: string };
  warnings?: number;
  tree_path?: string;
  interpolation_error?: string;
  interpolation_error_exact?: boolean;
}

function runStringCase(c: StringCase): void {
  const lookup = lookupIn(c.env);
  if (c.error === undefined) {
    const result = substitute(c.template, lookup);
    expect(result.value).toBe(c.expected);
    if (c.warnings !== undefined) expect(result.unset.length).toBe(c.warnings);
  } else {
    const error = catchError(() => substitute(c.template, lookup));
    if (c.error_exact) expect(error.message).toBe(c.error);
    else expect(error.message).toContain(c.error);
    if (c.error_type === 'MissingRequiredError') expect(error).toBeInstanceOf(MissingRequiredError);
    if (c.error_fields) {
      expect((error as MissingRequiredError).variable).toBe(c.error_fields.variable);
      expect((error as MissingRequiredError).reason).toBe(c.error_fields.reason);
    }
  }
  if (c.tree_path !== undefined) {
    // The same template as a leaf of a tree, at the path the reference test used.
    const keys = c.tree_path.split('.');
    const tree = keys.reduceRight<unknown>((leaf, key) => ({ [key]: leaf }), c.template);
    if (c.interpolation_error === undefined) {
      const expected = keys.reduceRight<unknown>((leaf, key) => ({ [key]: leaf }), c.expected);
      expect(interpolateTree(tree, lookup).value).toEqual(expected);
    } else {
      const error = catchError(() => interpolateTree(tree, lookup));
      if (c.interpolation_error_exact) expect(error.message).toBe(oneLine(c.interpolation_error));
      else expect(error.message).toContain(oneLine(c.interpolation_error));
    }
  }
}

for (const file of ['template/template.json', 'template/interpolation.json']) {
  describe(file, () => {
    for (const c of load<StringCase>(file)) it(c.name, () => runStringCase(c));
  });
}

interface TreeCase {
  name: string;
  input: unknown;
  env: Record<string, string>;
  expected?: unknown;
  error?: string;
  error_exact?: boolean;
  casts?: Record<string, CastType>;
}

describe('template/interpolation_tree.json', () => {
  for (const c of load<TreeCase>('template/interpolation_tree.json')) {
    it(c.name, () => {
      const casts = Object.entries(c.casts ?? {}).map(([pattern, type]) => ({ pattern: pattern.split('.'), type }));
      const run = () => interpolateTree(c.input, lookupIn(c.env), { casts });
      if (c.error === undefined) {
        expect(run().value).toEqual(c.expected);
      } else {
        const error = catchError(run);
        if (c.error_exact) expect(error.message).toBe(oneLine(c.error));
        else expect(error.message).toContain(oneLine(c.error));
      }
    });
  }
});

describe('template/operator_choice.json', () => {
  for (const c of load<{ name: string; input: string; operator: string }>('template/operator_choice.json')) {
    it(c.name, () => {
      expect(earliestOperator(c.input)).toBe(c.operator);
      // The chosen operator is the one substitution applies: check it on an unset variable.
      const result = (() => {
        try {
          return substitute(`\${${c.input}}`, () => undefined).value;
        } catch (error) {
          return error;
        }
      })();
      const argument = c.input.slice(c.input.indexOf(c.operator) + c.operator.length);
      if (c.operator.endsWith('?')) expect(result).toBeInstanceOf(MissingRequiredError);
      else if (c.operator.endsWith('-')) expect(result).toBe(argument);
      else expect(result).toBe('');
    });
  }
});

interface VariablesCase {
  name: string;
  input: unknown;
  expected: Record<string, { name: string; default_value: string; presence_value: string; required: boolean }>;
}

describe('template/extract_variables.json', () => {
  for (const c of load<VariablesCase>('template/extract_variables.json')) {
    it(c.name, () => {
      const found = Object.fromEntries(
        [...extractVariables(c.input)].map(([name, v]) => [
          name,
          {
            name: v.name,
            default_value: v.defaultValue ?? '',
            presence_value: v.presenceValue ?? '',
            required: v.required,
          },
        ]),
      );
      expect(found).toEqual(c.expected);
    });
  }
});

describe('template/path_match.json', () => {
  for (const c of load<{ name: string; path: string[]; pattern: string[]; expected: boolean }>(
    'template/path_match.json',
  )) {
    it(c.name, () => expect(matchesPath(c.path, c.pattern)).toBe(c.expected));
  }
});
