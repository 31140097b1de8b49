/** The nginx-node-redis example: nginx in front of two node servers answers with an increasing visit count. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, freePort, ROOT, TestProject, uniqueName } from './flotilla-harness.js';

let project: TestProject;
let port: number;
beforeAll(async () => {
  buildCli();
  port = await freePort();
  project = new TestProject(uniqueName('ft-demo'), '');
});
afterAll(() => project.cleanup());

describe('examples/nginx-node-redis (docker)', () => {
  it('answers with an increasing visit count from both web servers', async () => {
    const file = join(ROOT, 'examples/nginx-node-redis/compose.yaml');
    const up = await project.run(['-f', file, 'up', '-d', '--wait'], { NGINX_PORT: String(port) });
    expect(up.code, up.stderr).toBe(0);
    const counts: number[] = [];
    const servers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const match = /^(\S+): Number of visits is: (\d+)$/m.exec(text);
      expect(match, text).not.toBeNull();
      servers.add(match![1]!);
      counts.push(Number(match![2]));
    }
    expect(counts).toEqual(counts.map((_, i) => counts[0]! + i));
    expect([...servers].sort()).toEqual(['web1', 'web2']);
  });
});
