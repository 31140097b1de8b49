/**
 * The README's Stack example (examples/ci-test-stack/readme-example.ts) runs exactly as written: the only change is
 * where `'flotilla'` resolves to, since the package is not installed into itself. It must print the seeded counter
 * plus one, read it back with exec, and leave nothing behind when `await using` disposes of the stack.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../src/engine/select.js';
import type { Engine } from '../../src/engine/types.js';
import { ROOT, buildCli } from './flotilla-harness.js';

const EXAMPLE = join(ROOT, 'examples/ci-test-stack/readme-example.ts');

describe('README example of the Stack API', () => {
  let dir: string;
  let engine: Engine;

  beforeAll(async () => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), 'stack-readme-'));
    engine = await createEngine({ engine: 'docker' });
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is at most 15 lines and runs as written', async () => {
    const source = readFileSync(EXAMPLE, 'utf8');
    expect(source.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    expect(source).toContain("from 'flotilla'");
    const runnable = join(dir, 'readme-example.ts');
    writeFileSync(runnable, source.replace("from 'flotilla'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`));

    // the projects this process creates while the example runs, from the engine's events
    const owner = `${process.pid}@${hostname()}`;
    const watch = new AbortController();
    const created = new Set<string>();
    const watching = (async () => {
      for await (const event of engine.events({ labels: { 'dev.flotilla.ephemeral': owner }, types: ['container'], signal: watch.signal })) {
        if (event.action === 'create') created.add(event.attributes['com.docker.compose.project']!);
      }
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the event stream open

    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    try {
      await import(runnable); // relative paths in the example are the repository root's, vitest's working directory
    } finally {
      log.mockRestore();
      watch.abort();
      await watching;
    }

    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^\S+: Number of visits is: 42\n$/);
    expect(printed[1]).toBe('redis says 42');
    // `await using` took the stack down: nothing of the project it created remains
    expect(created.size).toBe(1);
    const [project] = [...created];
    expect(project).toMatch(/^ci-test-stack-[a-z0-9]{6}$/);
    const labels = { 'com.docker.compose.project': project! };
    expect(await engine.listContainers({ all: true, labels })).toEqual([]);
    expect(await engine.listNetworks({ labels })).toEqual([]);
    expect(await engine.listVolumes({ labels })).toEqual([]);
  });
});
