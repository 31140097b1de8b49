import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireProjectLock, lockPath, ProjectLockedError, stateDirectory } from '../../../src/reconcile/lock.js';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'ft-lock-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('project lock', () => {
  it('is exclusive: a second taker fails with --no-wait-lock, then gets it after release', async () => {
    const first = await acquireProjectLock('demo', { stateDir, command: 'up' });
    expect(JSON.parse(readFileSync(first.path, 'utf8')).pid).toBe(process.pid);
    const error = await acquireProjectLock('demo', { stateDir, wait: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectLockedError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    await first.release();
    const second = await acquireProjectLock('demo', { stateDir, wait: false });
    await second.release();
    expect(existsSync(second.path)).toBe(false);
  });

  it('makes a waiter wait (and say so) until the holder releases', async () => {
    const first = await acquireProjectLock('demo', { stateDir });
    let told = 0;
    const order: string[] = [];
    const waiting = acquireProjectLock('demo', { stateDir, pollMs: 10, onWait: () => told++ }).then((l) => {
      order.push('second');
      return l;
    });
    await new Promise((r) => setTimeout(r, 60));
    order.push('release');
    await first.release();
    const second = await waiting;
    expect(order).toEqual(['release', 'second']);
    expect(told).toBe(1);
    await second.release();
  });

  it('takes over the lock of a dead process', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => child.on('exit', r));
    const path = lockPath('demo', stateDir);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), token: 'dead', acquiredAt: 0 }));
    const lock = await acquireProjectLock('demo', { stateDir, wait: false });
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe(lock.holder.token);
    await lock.release();
  });

  it('takes over a lock whose pid now names another process (pid reuse)', async () => {
    const path = lockPath('demo', stateDir);
    mkdirSync(join(path, '..'), { recursive: true });
    // our own pid with a different start time: the pid was reused, so the lock is stale
    writeFileSync(path, JSON.stringify({ pid: process.pid, startTicks: 1, host: hostname(), token: 'reused', acquiredAt: 0 }));
    const lock = await acquireProjectLock('demo', { stateDir, wait: false });
    await lock.release();
  });

  it('never releases a lock that is no longer its own', async () => {
    const lock = await acquireProjectLock('demo', { stateDir });
    writeFileSync(lock.path, JSON.stringify({ pid: 1, host: hostname(), token: 'other', acquiredAt: 0 }));
    await lock.release();
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).token).toBe('other');
  });

  it('lets exactly one of many concurrent processes hold it at a time', async () => {
    // the lock module transpiled to plain JS, so separate node processes can race for real
    const lib = join(stateDir, 'lib');
    mkdirSync(join(lib, 'reconcile'), { recursive: true });
    writeFileSync(join(lib, 'package.json'), '{"type":"module"}');
    for (const file of ['reconcile/lock.ts', 'errors.ts']) {
      const source = readFileSync(new URL(`../../../src/${file}`, import.meta.url), 'utf8');
      const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(join(lib, file.replace(/\.ts$/, '.js')), js.outputText);
    }
    const script = `
      import { acquireProjectLock } from ${JSON.stringify(join(lib, 'reconcile/lock.js'))};
      import { appendFileSync } from 'node:fs';
      const lock = await acquireProjectLock('race', { stateDir: process.argv[1], pollMs: 5 });
      appendFileSync(process.argv[2], 'in ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 30));
      appendFileSync(process.argv[2], 'out ' + process.pid + '\\n');
      await lock.release();`;
    const log = join(stateDir, 'log');
    writeFileSync(log, '');
    const codes = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<number>((resolve) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', script, stateDir, log], { stdio: 'inherit' });
          p.on('exit', (code) => resolve(code ?? -1));
        }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) {
      expect(lines[i]).toMatch(/^in /);
      expect(lines[i + 1]).toBe(lines[i]!.replace('in', 'out'));
    }
  });

  it('puts the state directory under XDG_STATE_HOME, or ~/.local/state, or /run/flotilla for root', () => {
    if (process.getuid?.() === 0) expect(stateDirectory({})).toBe('/run/flotilla');
    else {
      expect(stateDirectory({ XDG_STATE_HOME: '/x' })).toBe('/x/flotilla');
    }
    expect(stateDirectory({ FLOTILLA_STATE_DIR: '/y' })).toBe('/y');
  });
});
