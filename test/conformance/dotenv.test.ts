import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FlotillaError } from '../../src/errors.js';
import { expandDotenvValue, parseDotenv, readEnvFile, readEnvFiles, type EnvVars } from '../../src/model/dotenv.js';
import type { Lookup } from '../../src/model/template.js';
import { MissingRequiredError } from '../../src/model/template.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const dotenvDir = path.resolve(projectRoot(), '../shared/conformance/compose-go/dotenv');
const load = <T>(file: string): T[] => JSON.parse(readFileSync(path.join(dotenvDir, file), 'utf8')) as T[];

/** A lookup over a plain map, recording the names it was asked for. */
function recordingLookup(env: Record<string, string> | null | undefined): { lookup: Lookup; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: (name) => {
      asked.push(name);
      return env && Object.hasOwn(env, name) ? env[name] : undefined;
    },
  };
}

function catchError(run: () => unknown): FlotillaError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlotillaError);
    return error as FlotillaError;
  }
  throw new Error('expected an error');
}

/** The reference loader prefixes parse errors with `line N: `; ours carry the line as a position. */
function referenceMessage(error: FlotillaError): string {
  return error.position ? `line ${error.position.line}: ${error.message}` : error.message;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'flotilla-dotenv-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  name: string;
  api: 'parse' | 'read' | 'read_with_lookup' | 'load' | 'env_from_files';
  input?: string;
  fixture?: string;
  files?: Array<{ path: string; content?: string; directory?: boolean }>;
  lookup_env?: Record<string, string> | null;
  preset_env?: Record<string, string>;
  expected?: Record<string, string>;
  match?: 'exact' | 'subset';
  absent_keys?: string[];
  lookup_called_for?: string[];
  error?: string | true;
  error_exact?: boolean;
  error_suffix?: string;
}

function run(c: Case, lookup: Lookup): EnvVars {
  switch (c.api) {
    case 'parse':
      return parseDotenv(c.input!, { lookup });
    case 'read':
      return readEnvFile(path.join(dotenvDir, c.fixture!), undefined, { skipDigitKeys: true });
    case 'read_with_lookup':
      return readEnvFile(path.join(dotenvDir, c.fixture!), lookup, { skipDigitKeys: true });
    case 'load': {
      // Loading exports the file into an environment without overriding what is already there.
      const env: EnvVars = { ...c.preset_env };
      for (const [key, value] of Object.entries(readEnvFile(path.join(dotenvDir, c.fixture!)))) {
        if (!Object.hasOwn(env, key)) env[key] = value;
      }
      return env;
    }
    case 'env_from_files': {
      const dir = mkdtempSync(path.join(scratch, 'case-'));
      const paths = c.files!.map((f) => {
        const file = path.join(dir, f.path);
        if (f.directory) mkdirSync(file);
        else writeFileSync(file, f.content ?? '');
        return file;
      });
      return readEnvFiles(paths, c.lookup_env ? lookup : undefined);
    }
  }
}

describe('dotenv/cases.json', () => {
  for (const c of load<Case>('cases.json')) {
    it(c.name, () => {
      const { lookup, asked } = recordingLookup(c.lookup_env);
      if (c.error !== undefined || c.error_suffix !== undefined) {
        const error = catchError(() => run(c, lookup));
        if (c.error_exact) expect(referenceMessage(error)).toBe(c.error);
        else if (typeof c.error === 'string') expect(referenceMessage(error)).toContain(c.error);
        if (c.error_suffix) expect(error.message.endsWith(c.error_suffix)).toBe(true);
        return;
      }
      const result = run(c, lookup);
      if (c.match === 'exact') expect({ ...result }).toEqual(c.expected);
      else expect({ ...result }).toMatchObject(c.expected ?? {});
      for (const key of c.absent_keys ?? []) expect(Object.hasOwn(result, key)).toBe(false);
      for (const name of c.lookup_called_for ?? []) expect(asked).toContain(name);
    });
  }
});

interface ExpandCase {
  name: string;
  input: string;
  vars: Record<string, string>;
  lookup_env: Record<string, string>;
  expected?: string;
  error?: string;
  error_type?: string;
  error_fields?: { variable: string; reason: string };
}

describe('dotenv/expand.json', () => {
  for (const c of load<ExpandCase>('expand.json')) {
    it(c.name, () => {
      const { lookup } = recordingLookup(c.lookup_env);
      const vars: EnvVars = Object.assign(Object.create(null) as EnvVars, c.vars);
      if (c.error === undefined) {
        expect(expandDotenvValue(c.input, vars, lookup)).toBe(c.expected);
        return;
      }
      const error = catchError(() => expandDotenvValue(c.input, vars, lookup));
      expect(error.message).toContain(c.error);
      if (c.error_type === 'MissingRequiredError') expect(error).toBeInstanceOf(MissingRequiredError);
      if (c.error_fields) {
        expect((error as MissingRequiredError).variable).toBe(c.error_fields.variable);
        expect((error as MissingRequiredError).reason).toBe(c.error_fields.reason);
      }
    });
  }
});
