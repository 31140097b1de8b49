/**
 * The shipped command runs its bundle with a V8 code cache: written by the first successful run of a command,
 * used as is afterwards, rewritten when V8 refuses it, never written for a failed command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './flotilla-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ft-code-cache-'));
const cacheHome = join(dir, 'cache');
writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
}
const cacheFiles = (): string[] => readdirSync(join(cacheHome, 'flotilla', 'v8')).sort();

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('code cache of the shipped command', () => {
  it('is written once, used, rewritten when refused, and not written for a failed command', () => {
    const first = cli('config', '--services');
    expect([first.status, first.stdout]).toEqual([0, 'db\nweb\n']);
    const [file] = cacheFiles();
    expect(file).toMatch(/^cli-[0-9a-f]{16}-config\.bin$/);
    const path = join(cacheHome, 'flotilla', 'v8', file!);
    const written = statSync(path).mtimeMs;
    expect(statSync(path).size).toBeGreaterThan(10_000);

    expect(cli('config', '--services').stdout).toBe('db\nweb\n');
    expect(statSync(path).mtimeMs).toBe(written);

    writeFileSync(path, 'not a code cache');
    const refused = cli('config', '--services');
    expect([refused.status, refused.stdout]).toEqual([0, 'db\nweb\n']);
    expect(readFileSync(path).length).toBeGreaterThan(10_000);

    const failed = cli('confgi');
    expect(failed.status).toBe(1);
    expect(cacheFiles()).toEqual([file]);
  });
});
