/**
 * Isolation of the Stack API: four copies of one compose file started at the same time end as four working stacks
 * (distinct project names, distinct host ports, each answering with its own content), and nothing of any of them
 * remains after down. Checked with the docker CLI, independently of Flotilla's own engine code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from '../../src/stack/index.js';
import { buildCli, listContainers, projectNetworks, projectVolumes, removeProjectResources } from './flotilla-harness.js';

// busybox httpd serving the MARK variable; a named volume so that `down` must remove volumes too
const COMPOSE = `
services:
  web:
    image: flotilla-test/busybox:latest
    entrypoint: ["sh", "-c", "mkdir -p /www && echo \\"$$MARK\\" > /www/index.html && touch /data/ok && exec httpd -f -p 80 -h /www"]
    environment:
      MARK: \${MARK:-unset}
    ports: ["80"]
    volumes: ["data:/data"]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ok"]
      interval: 300ms
      retries: 30
volumes:
  data: {}
`;

describe('Stack: four copies of one file at once', () => {
  let dir: string;
  const started: Stack[] = [];

  beforeAll(() => {
    buildCli(); // the reaper of ephemeral stacks runs from the build
    dir = mkdtempSync(join(tmpdir(), 'stack-concurrent-'));
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  });

  afterAll(async () => {
    for (const stack of started) {
      await stack.down().catch(() => undefined);
      removeProjectResources(stack.projectName);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('end as four working stacks on distinct ports, all gone after down', async () => {
    const marks = ['alpha', 'bravo', 'charlie', 'delta'];
    const stacks = await Promise.all(marks.map((mark) =>
      Stack.up({ files: [join(dir, 'compose.yaml')], env: { MARK: mark }, timeoutMs: 60_000 })));
    started.push(...stacks);

    const names = stacks.map((s) => s.projectName);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^stack-concurrent-[a-z0-9]+-[a-z0-9]{6}$/);

    const ports = await Promise.all(stacks.map((s) => s.port('web', 80)));
    expect(new Set(ports).size).toBe(4);
    const bodies = await Promise.all(stacks.map(async (s) => (await fetch(await s.url('web', 80))).text()));
    expect(bodies).toEqual(marks.map((m) => `${m}\n`));

    for (const stack of stacks) {
      expect(listContainers(stack.projectName).map((c) => [c.service, c.state, c.health?.Status])).toEqual([['web', 'running', 'healthy']]);
      expect(projectVolumes(stack.projectName)).toHaveLength(1);
      expect((await stack.plan()).operations).toEqual([]); // up converged: nothing left to do
    }

    await Promise.all(stacks.map((s) => s.down()));
    for (const name of names) {
      expect(listContainers(name)).toEqual([]);
      expect(projectNetworks(name)).toEqual([]);
      expect(projectVolumes(name)).toEqual([]);
    }
  });
});
