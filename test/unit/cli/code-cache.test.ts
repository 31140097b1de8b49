import { describe, expect, it } from 'vitest';
import { codeCacheDir, commandKey } from '../../../src/cli/code-cache.js';

describe('code cache keys', () => {
  it('is the command word, past global options and their values', () => {
    expect(commandKey(['up', '-d'])).toBe('up');
    expect(commandKey(['-f', 'a.yml', '-p', 'demo', '--profile', 'x', 'config', '--services'])).toBe('config');
    expect(commandKey(['--file=a.yml', '--ansi', 'never', 'logs', '-f'])).toBe('logs');
    expect(commandKey(['--verbose', 'ps'])).toBe('ps');
  });

  it('has one name for no command and one for words that are no command name', () => {
    expect(commandKey([])).toBe('none');
    expect(commandKey(['--help'])).toBe('none');
    expect(commandKey(['../../etc'])).toBe('other');
    expect(commandKey(['UP'])).toBe('other');
  });

  it('lives in XDG_CACHE_HOME, else ~/.cache', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/flotilla/v8');
    expect(codeCacheDir({})).toMatch(/\/\.cache\/flotilla\/v8$/);
  });
});
