/** The nginx-node-redis example: nginx in front of two node servers answers with an increasing visit count. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectCountedVisits, freePort, ROOT, TestProject, uniqueName } from './flotilla-harness.js';

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
    await expectCountedVisits(port);
  });
});
