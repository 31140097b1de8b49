import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileNotFoundError, FlotillaError, InvalidFileError } from '../../src/errors.js';
import { parseDotenv, readEnvFile, readEnvFiles } from '../../src/model/dotenv.js';
import type { Lookup } from '../../src/model/template.js';

const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-dotenv-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};
const env =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

function failure(run: () => unknown): FlotillaError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlotillaError);
    return error as FlotillaError;
  }
  throw new Error('expected an error');
}

describe('dotenv format', () => {
  it('keeps special keys as ordinary entries', () => {
    const vars = parseDotenv('__proto__=1\nconstructor=2\n');
    expect(Object.keys(vars)).toEqual(['__proto__', 'constructor']);
    expect(vars.constructor).toBe('2');
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
    expect(parseDotenv('A=1').toString).toBeUndefined();
  });

  it('treats a bare key at the end of the file as taken from the environment', () => {
    expect({ ...parseDotenv('A=1\nB', { lookup: env({ B: 'b' }) }) }).toEqual({ A: '1', B: 'b' });
  });

  it('places errors at their line and column in the file', () => {
    const file = write('bad.env', '# comment\nGOOD=1\n  BAD KEY=2\n');
    const error = failure(() => readEnvFile(file));
    expect(error).toBeInstanceOf(InvalidFileError);
    expect(error.oneLine()).toMatch(new RegExp(`^${file}:3:3: key cannot contain a space \\(.+\\)$`));

    const quote = failure(() => parseDotenv('A=1\nB="open\nC=3\n', { file: 'x.env' }));
    expect(quote.position).toEqual({ file: 'x.env', line: 2, col: 3 });
    expect(quote.message).toBe('unterminated quoted value "open');

    const required = failure(() => parseDotenv('A=${NEED:?give it}\n', { file: 'x.env' }));
    expect(required.oneLine()).toMatch(/^x\.env:1:3: required variable NEED is missing a value: give it/);
  });

  it('ignores a UTF-8 byte order mark', () => {
    expect({ ...parseDotenv('\ufeffA=1\n') }).toEqual({ A: '1' });
  });
});

describe('raw format', () => {
  it('takes values literally and bare keys from the lookup', () => {
    const text = '\ufeff# comment\n  A="quoted" # not a comment\nB=${X} $Y\nC\nD\nE=\r\nF=a=b  \n';
    const vars = parseDotenv(text, { format: 'raw', lookup: env({ C: 'from-env', X: 'x' }) });
    expect({ ...vars }).toEqual({ A: '"quoted" # not a comment', B: '${X} $Y', C: 'from-env', E: '', F: 'a=b  ' });
  });

  it('rejects blanks in names and a missing name, at the line', () => {
    const blank = failure(() => parseDotenv('A=1\nB C=2\n', { format: 'raw', file: 'r.env' }));
    expect(blank.oneLine()).toMatch(/^r\.env:2:1: variable 'B C' contains whitespaces/);
    expect(failure(() => parseDotenv('=x\n', { format: 'raw' })).message).toBe("no variable name on line '=x'");
  });

  it('is chosen by readEnvFile and readEnvFiles', () => {
    const file = write('raw.env', 'A="1"\n');
    expect(readEnvFile(file, undefined, { format: 'raw' }).A).toBe('"1"');
    expect(readEnvFiles([file], undefined, 'raw').A).toBe('"1"');
    expect(readEnvFile(file).A).toBe('1');
  });
});

describe('env files', () => {
  it('reads several files in order, later ones overriding, the environment first for ${}', () => {
    const base = write('base.env', 'HOST=localhost\nURL=http://${HOST}\nONLY_BASE=1\n');
    const override = write('override.env', 'HOST=prod\nURL=http://${HOST}:${PORT}\nFROM_BASE=${ONLY_BASE}\nONLY_BASE\n');
    const vars = readEnvFiles([base, override], env({ PORT: '80' }));
    expect({ ...vars }).toEqual({ HOST: 'prod', URL: 'http://prod:80', ONLY_BASE: '1', FROM_BASE: '1' });
  });

  it('says which file is missing and which path is a directory', () => {
    const missing = failure(() => readEnvFiles([path.join(dir, 'nope.env')]));
    expect(missing).toBeInstanceOf(FileNotFoundError);
    expect(missing.exitCode).toBe(14);
    expect(missing.message).toBe(`couldn't find env file: ${path.join(dir, 'nope.env')}`);
    const directory = failure(() => readEnvFile(dir));
    expect(directory.message).toBe(`${dir} is a directory`);
  });

  it('can leave out keys starting with a digit', () => {
    const file = write('digits.env', '1A=x\nB=y\n');
    expect(Object.keys(readEnvFile(file))).toEqual(['1A', 'B']);
    expect(Object.keys(readEnvFile(file, undefined, { skipDigitKeys: true }))).toEqual(['B']);
  });
});
