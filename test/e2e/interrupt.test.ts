/**
 * `kill -9` of `up` at random points, then `up` again: the project must converge every time, with one container
 * per service under its final name, all running with the current configuration, and nothing leaked (no
 * temporary names, no second network). The configuration changes every iteration, so kills also land in the
 * middle of recreates (create under a temporary name → stop → remove → rename).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, docker, projectNetworks, TestProject, uniqueName } from './flotilla-harness.js';

const BUSYBOX = 'flotilla-test/busybox:latest';
const ITERATIONS = 20;

function stack(generation: number): string {
  const service = (name: string, extra = ''): string => `
  ${name}:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment:
      GENERATION: "${generation}"${extra}`;
  return `services:${service('a', `
    healthcheck:
      test: ["CMD", "true"]
      interval: 200ms`)}${service('b', `
    depends_on:
      a:
        condition: service_healthy`)}${service('c', `
    depends_on: [b]`)}${service('d')}
`;
}

let project: TestProject;
beforeAll(() => {
  buildCli();
  project = new TestProject(uniqueName('ft-int'), stack(0));
});
afterAll(() => project.cleanup());

describe('interrupted up converges (docker)', () => {
  it(`survives kill -9 at random points ${ITERATIONS} times`, { timeout: 170_000 }, async () => {
    const services = ['a', 'b', 'c', 'd'];
    let killedMidway = 0;
    for (let i = 1; i <= ITERATIONS; i++) {
      // every other iteration changes the config, so that the killed run is recreating containers
      const generation = Math.ceil(i / 2);
      project.write(stack(generation));
      const child = project.spawn(['up', '-d']);
      const delay = Math.floor(Math.random() * 1200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await exited;
      clearTimeout(timer);
      if (code === null) killedMidway++;

      const result = await project.run(['up', '-d']);
      expect(result.code, `iteration ${i} (killed after ${delay} ms):\n${result.stderr}`).toBe(0);
      const containers = project.containers();
      expect(containers.map((c) => c.name), `iteration ${i}`).toEqual(services.map((s) => `${project.name}-${s}-1`));
      expect(containers.every((c) => c.state === 'running'), `iteration ${i}`).toBe(true);
      for (const c of containers) {
        expect(docker(['inspect', '-f', '{{json .Config.Env}}', c.id])).toContain(`GENERATION=${generation}`);
      }
      expect(projectNetworks(project.name)).toHaveLength(1);
    }
    // the random delays must really have interrupted runs, or this test proves nothing
    expect(killedMidway).toBeGreaterThanOrEqual(ITERATIONS / 2);
    // and a last up changes nothing
    const before = project.containers().map((c) => c.id);
    await project.ok(['up', '-d']);
    expect(project.containers().map((c) => c.id)).toEqual(before);
  });
});
