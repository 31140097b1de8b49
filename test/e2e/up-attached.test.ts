/**
 * Attached `up` (no -d): output of the attached services prefixed per container, the exit of the watched
 * containers, --exit-code-from / --abort-on-container-exit, Ctrl-C, and Docker Compose's flag rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, TestProject, uniqueName } from './flotilla-harness.js';

const BUSYBOX = 'flotilla-test/busybox:latest';
/** A long-running service that says it is up and leaves at once on SIGTERM. */
const server = (name: string): string => `
  ${name}:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo ${name} ready; trap 'exit 0' TERM; while true; do sleep 0.2; done"]`;
const oneShot = (name: string, code: number, extra = ''): string => `
  ${name}:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo ${name} running; sleep 1; echo ${name} done; exit ${code}"]${extra}`;

const projects: TestProject[] = [];
function project(compose: string): TestProject {
  const p = new TestProject(uniqueName('ft-att'), compose);
  projects.push(p);
  return p;
}

beforeAll(() => buildCli());
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe('attached up (docker)', () => {
  it('--exit-code-from returns that container\'s code, stops the others, and prefixes each service\'s lines', async () => {
    const p = project(`services:${server('db')}${oneShot('tests', 3, '\n    depends_on: [db]')}\n`);
    const result = await p.run(['up', '--exit-code-from', 'tests', '--no-color']);
    expect(result.code, result.stderr).toBe(3);
    const out = result.stdout.split('\n');
    expect(out).toContain('Attaching to db-1, tests-1');
    expect(out).toContain('db-1    | db ready');
    expect(out).toContain('tests-1 | tests running');
    expect(out).toContain('tests-1 | tests done');
    expect(out).toContain('tests-1 exited with code 3');
    expect(result.stderr).toContain('Aborting on container exit...');
    expect(p.containers().map((c) => [c.service, c.state])).toEqual([['db', 'exited'], ['tests', 'exited']]);
  });

  it('--abort-on-container-exit stops the others when one exits 0, and exits 0', async () => {
    const p = project(`services:${server('web')}${oneShot('job', 0)}\n`);
    const result = await p.run(['up', '--abort-on-container-exit', '--no-color']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('job-1 exited with code 0');
    expect(p.containers().map((c) => c.state)).toEqual(['exited', 'exited']);
  });

  it('--abort-on-container-failure ignores a clean exit and returns the failing code', async () => {
    const p = project(`services:${oneShot('ok', 0)}${oneShot('bad', 7, '\n    depends_on:\n      ok:\n        condition: service_completed_successfully')}${server('web')}\n`);
    const result = await p.run(['up', '--abort-on-container-failure', '--no-color']);
    expect(result.code, result.stderr).toBe(7);
    expect(result.stdout).toContain('ok-1 exited with code 0');
    expect(result.stdout).toContain('bad-1 exited with code 7');
    expect(p.containers().every((c) => c.state === 'exited')).toBe(true);
  });

  it('returns 0 once every attached container has exited, without an abort flag', async () => {
    const p = project(`services:${oneShot('a', 0)}${oneShot('b', 5)}\n`);
    const result = await p.run(['up', '--no-color', '--no-log-prefix']);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout.split('\n');
    expect(out).toContain('a running');
    expect(out).toContain('b done');
    expect(out).toContain('b-1 exited with code 5');
  });

  it('--attach and --no-attach choose whose output is shown', async () => {
    const p = project(`services:${oneShot('a', 0)}${oneShot('b', 0)}\n`);
    const only = await p.run(['up', '--attach', 'b', '--no-color']);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toContain('b-1 | b running');
    expect(only.stdout).not.toContain('a running');
    const without = await p.run(['up', '--no-attach', 'b', '--no-color']);
    expect(without.stdout).toContain('a-1 | a running');
    expect(without.stdout).not.toContain('b running');
  });

  it('SIGINT stops the containers gracefully and exits 130', async () => {
    const p = project(`services:${server('web')}${server('cache')}\n`);
    const child = p.spawn(['up', '--no-color']);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const attached = new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('web-1   | web ready') && stdout.includes('cache-1 | cache ready')) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await attached;
    child.kill('SIGINT');
    expect(await exited, `${stdout}\n${stderr}`).toBe(130);
    expect(stderr).toContain('Gracefully stopping... (press Ctrl+C again to force)');
    expect(p.containers().map((c) => c.state)).toEqual(['exited', 'exited']);
  });

  it('rejects invalid flag combinations with Docker Compose\'s messages, before doing anything', async () => {
    const p = project(`services:${server('web')}\n`);
    const cases: Array<[string[], string]> = [
      [['--abort-on-container-exit', '--abort-on-container-failure'], '--abort-on-container-failure cannot be combined with --abort-on-container-exit'],
      [['-d', '--abort-on-container-exit'], '--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch'],
      [['-d', '--exit-code-from', 'web'], '--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch'],
      [['--wait', '--attach', 'web'], '--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies'],
      [['--attach', 'web', '--attach-dependencies'], 'cannot combine --attach and --attach-dependencies'],
      [['--build', '--no-build'], '--build and --no-build are incompatible'],
      [['--no-recreate', '--force-recreate'], '--force-recreate and --no-recreate are incompatible'],
      [['--attach', 'nope'], 'cannot attach to services not included in up: nope'],
    ];
    for (const [args, message] of cases) {
      const result = await p.run(['up', ...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    expect(p.containers()).toEqual([]);
  });
});
