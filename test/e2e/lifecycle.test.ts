/**
 * The CLI's project lifecycle against the real Docker engine: idempotent up, targeted recreates with their
 * reasons, dependency conditions, stop/start, down, concurrent ups, and Docker Compose seeing our projects.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCli, docker, freePort, listContainers, projectNetworks, projectVolumes, removeProjectResources, ROOT, TestProject, uniqueName,
} from './flotilla-harness.js';

const BUSYBOX = 'flotilla-test/busybox:latest';
const projects: TestProject[] = [];
function project(compose: string): TestProject {
  const p = new TestProject(uniqueName(), compose);
  projects.push(p);
  return p;
}

beforeAll(() => buildCli());
afterEach(async () => {
  for (const p of projects.splice(0)) await p.cleanup();
});

/** Two long-running services; `stop_signal: SIGKILL` because busybox sleep as PID 1 ignores SIGTERM. */
function twoServices(logLevel = 'info'): string {
  return `
services:
  db:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
  web:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment:
      LOG_LEVEL: ${logLevel}
    depends_on: [db]
`;
}

const ids = (p: TestProject): Record<string, string> => Object.fromEntries(p.containers().map((c) => [c.name, c.id]));

describe('flotilla lifecycle (docker)', () => {
  it('up -d twice leaves the containers as they are', async () => {
    const p = project(twoServices());
    await p.ok(['up', '-d']);
    const first = ids(p);
    expect(Object.keys(first)).toEqual([`${p.name}-db-1`, `${p.name}-web-1`]);
    const again = await p.ok(['up', '-d']);
    expect(ids(p)).toEqual(first);
    expect(again.stderr).not.toMatch(/Created|Recreated/);
    expect(p.containers().every((c) => c.state === 'running')).toBe(true);
  });

  it('changing one environment value recreates that service only, and the plan says which field', async () => {
    const p = project(twoServices('info'));
    await p.ok(['up', '-d']);
    const before = ids(p);
    p.write(twoServices('debug'));
    const planned = await p.ok(['plan']);
    expect(planned.stdout).toContain('environment.LOG_LEVEL');
    expect(planned.stdout).toMatch(/"info" → "debug"/);
    expect(planned.stdout).not.toMatch(new RegExp(`container ${p.name}-db-1`));
    const dry = await p.ok(['up', '-d', '--dry-run']);
    expect(dry.stdout).toBe(planned.stdout);
    expect(ids(p)).toEqual(before); // --dry-run changed nothing

    await p.ok(['up', '-d']);
    const after = ids(p);
    expect(after[`${p.name}-db-1`]).toBe(before[`${p.name}-db-1`]);
    expect(after[`${p.name}-web-1`]).not.toBe(before[`${p.name}-web-1`]);
    expect(Object.keys(after)).toHaveLength(2); // the old container is gone, no temporary name left
    const env = docker(['inspect', '-f', '{{json .Config.Env}}', `${p.name}-web-1`]);
    expect(env).toContain('LOG_LEVEL=debug');
  });

  it('depends_on service_healthy starts the dependent only after the healthcheck passed', async () => {
    const p = project(`
services:
  db:
    image: ${BUSYBOX}
    command: ["sh", "-c", "sleep 1.5; touch /tmp/ready; exec sleep 3600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 400ms
      retries: 30
  app:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on:
      db:
        condition: service_healthy
`);
    await p.ok(['up', '-d']);
    const [app, db] = p.containers();
    expect(app!.service).toBe('app');
    const log = db!.health!.Log;
    const passed = log.filter((entry) => entry.ExitCode === 0).map((entry) => Date.parse(entry.End));
    const failed = log.filter((entry) => entry.ExitCode !== 0);
    expect(failed.length).toBeGreaterThan(0); // it really was unhealthy for a while
    expect(passed.length).toBeGreaterThan(0);
    expect(Date.parse(app!.startedAt)).toBeGreaterThanOrEqual(Math.min(...passed));
    expect(Date.parse(app!.startedAt)).toBeGreaterThan(Date.parse(db!.startedAt) + 1400);
  });

  it('a service_completed_successfully job exiting 3 fails up with exit code 3', async () => {
    const p = project(`
services:
  migrate:
    image: ${BUSYBOX}
    command: ["sh", "-c", "exit 3"]
  app:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on:
      migrate:
        condition: service_completed_successfully
`);
    const result = await p.run(['up', '-d']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`service "migrate" didn't complete successfully: exit 3`);
    const app = p.containers().find((c) => c.service === 'app');
    expect(app === undefined || app.state === 'created').toBe(true);
  });

  it('stop and start keep the containers', async () => {
    const p = project(twoServices());
    await p.ok(['up', '-d']);
    const before = ids(p);
    await p.ok(['stop']);
    expect(p.containers().map((c) => c.state)).toEqual(['exited', 'exited']);
    await p.ok(['start']);
    expect(p.containers().map((c) => c.state)).toEqual(['running', 'running']);
    expect(ids(p)).toEqual(before);
  });

  it('down --volumes removes everything the project created and nothing else', async () => {
    const p = project(`
services:
  app:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    volumes: [data:/data, /anonymous]
    networks: [front, default]
networks:
  front: {}
volumes:
  data: {}
`);
    // bystanders: same name prefix, no project label; and another project's network
    const bystanderVolume = `${p.name}_bystander`;
    const bystanderContainer = `${p.name}-bystander-1`;
    docker(['volume', 'create', bystanderVolume]);
    docker(['create', '--name', bystanderContainer, BUSYBOX, 'true']);
    try {
      await p.ok(['up', '-d']);
      expect(projectVolumes(p.name)).toHaveLength(1);
      expect(projectNetworks(p.name)).toHaveLength(2);
      const anonymous = JSON.parse(docker(['inspect', '-f', '{{json .Mounts}}', `${p.name}-app-1`])) as { Name: string; Destination: string }[];
      const anonymousVolume = anonymous.find((m) => m.Destination === '/anonymous')!.Name;

      await p.ok(['down', '--volumes']);
      expect(p.containers()).toEqual([]);
      expect(projectNetworks(p.name)).toEqual([]);
      expect(projectVolumes(p.name)).toEqual([]);
      expect(spawnSync('docker', ['volume', 'inspect', anonymousVolume]).status).not.toBe(0);
      expect(docker(['volume', 'inspect', '-f', '{{.Name}}', bystanderVolume])).toBe(bystanderVolume);
      expect(docker(['inspect', '-f', '{{.Name}}', bystanderContainer])).toBe(`/${bystanderContainer}`);
    } finally {
      spawnSync('docker', ['rm', '-f', bystanderContainer], { stdio: 'ignore' });
      spawnSync('docker', ['volume', 'rm', bystanderVolume], { stdio: 'ignore' });
    }
  });

  it('five concurrent ups of one project end with exactly one container per service', async () => {
    const p = project(`
services:
  a:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
  b:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on: [a]
  c:
    image: ${BUSYBOX}
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    depends_on: [b]
`);
    const results = await Promise.all(Array.from({ length: 5 }, () => p.run(['up', '-d'])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const containers = p.containers();
    expect(containers.map((c) => c.name)).toEqual([`${p.name}-a-1`, `${p.name}-b-1`, `${p.name}-c-1`]);
    expect(containers.every((c) => c.state === 'running')).toBe(true);
    expect(projectNetworks(p.name)).toHaveLength(1);
    // at least one of them had to wait for the lock
    expect(results.some((r) => r.stderr.includes('waiting for another flotilla process'))).toBe(true);
  });

  it("Debian's docker-compose 1.29 lists the demo's containers under the same project", async () => {
    const name = uniqueName();
    const dir = join(ROOT, 'examples/nginx-node-redis');
    const port = String(await freePort());
    const env = { ...process.env, NGINX_PORT: port, CI: 'true' };
    try {
      const up = spawnSync(process.execPath, [join(ROOT, 'dist/bin/flotilla.js'), '-p', name, 'up', '-d'], { cwd: dir, env, encoding: 'utf8' });
      expect(up.status, up.stderr).toBe(0);
      const ps = spawnSync('/usr/bin/docker-compose', ['-p', name, 'ps', '-a'], { cwd: dir, env, encoding: 'utf8' });
      expect(ps.status, ps.stderr).toBe(0);
      for (const service of ['nginx', 'redis', 'web1', 'web2']) expect(ps.stdout).toContain(`${name}-${service}-1`);
      const services = spawnSync('/usr/bin/docker-compose', ['-p', name, 'ps', '--services'], { cwd: dir, env, encoding: 'utf8' });
      expect(services.stdout.trim().split('\n').sort()).toEqual(['nginx', 'redis', 'web1', 'web2']);
    } finally {
      removeProjectResources(name);
    }
    expect(listContainers(name)).toEqual([]);
  });
});
