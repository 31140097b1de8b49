/**
 * Commands that run things in containers, against the real Docker engine: run (one-off containers, exit codes,
 * --rm, dependencies, overrides), exec (exit codes, stdin, options), cp (both directions, modes) and attach.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLI, docker, freePort, TestProject, BUSYBOX, sleep, useTestProjects,
} from './flotilla-harness.js';

const project = useTestProjects('ft-run');

const oneOffs = (p: TestProject): string[] =>
  docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${p.name}`, '--filter', 'label=com.docker.compose.oneoff=True',
    '--format', '{{.Names}}']).split('\n').filter(Boolean);

describe('run (docker)', () => {
  const compose = `
services:
  db:
    image: ${BUSYBOX}
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; sleep 600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 200ms
      retries: 50
  job:
    image: ${BUSYBOX}
    command: ["echo", "default command"]
    environment:
      FROM_FILE: file
    ports: ["127.0.0.1::8080"]
    depends_on:
      db:
        condition: service_healthy
`;

  it('returns the exit code, prints both streams, and --rm leaves no container', async () => {
    const p = project(compose);
    const result = await p.run(['run', '--rm', '--no-deps', 'job', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(result.code).toBe(7);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toContain('err\n');
    expect(oneOffs(p)).toEqual([]);
    expect(p.containers().filter((c) => c.service === 'db')).toEqual([]);
  });

  it('starts the dependencies and waits until they are healthy', async () => {
    const p = project(compose);
    const result = await p.run(['run', '--rm', 'job', 'sh', '-c', 'echo "$FROM_FILE"']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('file\n');
    const db = p.containers().find((c) => c.service === 'db');
    expect(db?.health?.Status).toBe('healthy');
  });

  it('-d names the container like Docker Compose and labels it as a one-off', async () => {
    const p = project(compose);
    const result = await p.ok(['run', '-d', '--no-deps', 'job', 'sleep', '30']);
    const name = result.stdout.trim();
    expect(name).toMatch(new RegExp(`^${p.name}-job-run-[0-9a-f]{12}$`));
    const labels = JSON.parse(docker(['inspect', '-f', '{{json .Config.Labels}}', name])) as Record<string, string>;
    expect(labels['com.docker.compose.oneoff']).toBe('True');
    expect(labels['com.docker.compose.slug']).toMatch(/^[0-9a-f]{64}$/);
    expect(name.endsWith(labels['com.docker.compose.slug']!.slice(0, 12))).toBe(true);
    expect(labels['com.docker.compose.container-number']).toBeUndefined();
    expect(labels['com.docker.compose.service']).toBe('job');
    // A one-off publishes none of the service's ports unless asked.
    expect(docker(['inspect', '-f', '{{json .HostConfig.PortBindings}}', name])).toMatch(/^(\{\}|null)$/);
  });

  it('applies the command-line overrides', async () => {
    const p = project(compose);
    const dir = join(p.dir, 'shared');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hello.txt'), 'from host\n');
    const port = await freePort();
    const result = await p.run(['run', '--rm', '--no-deps', '-e', 'EXTRA=1', '--workdir', '/tmp', '--user', '1234',
      '--volume', './shared:/mnt/shared:ro', '--label', 'purpose=test', '--entrypoint', 'sh -c', '--name', `${p.name}-custom`,
      '--publish', `127.0.0.1:${port}:9000`,
      'job', 'echo "$EXTRA $FROM_FILE $(pwd) $(id -u) $(cat /mnt/shared/hello.txt)"; sleep 1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('1 file /tmp 1234 from host\n');
    const ports = await p.run(['run', '-d', '--no-deps', '--service-ports', 'job', 'sleep', '30']);
    const bindings = docker(['inspect', '-f', '{{json .HostConfig.PortBindings}}', ports.stdout.trim()]);
    expect(bindings).toContain('"8080/tcp"');
  });

  it('reports an unknown service with a suggestion', async () => {
    const p = project(compose);
    const result = await p.run(['run', 'jbo']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('no such service: jbo (did you mean job?)\n');
  });
});

describe('exec (docker)', () => {
  const compose = `
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    scale: 2
`;

  it('returns the command\'s exit code and pipes stdin through', async () => {
    const p = project(compose);
    await p.ok(['up', '-d']);
    expect((await p.run(['exec', '-T', 'web', 'false'])).code).toBe(1);
    expect((await p.run(['exec', '-T', 'web', 'sh', '-c', 'exit 42'])).code).toBe(42);
    const echoed = await p.run(['exec', '-T', 'web', 'sh', '-c', 'cat'], {}, { input: 'piped line 1\npiped line 2\n' });
    expect(echoed).toMatchObject({ code: 0, stdout: 'piped line 1\npiped line 2\n' });
    const options = await p.ok(['exec', '-T', '-e', 'GREETING=hi', '--workdir', '/etc', '--user', '1000', '--index', '2', 'web',
      'sh', '-c', 'echo "$GREETING $(pwd) $(id -u) $HOSTNAME"']);
    const second = docker(['inspect', '-f', '{{.Config.Hostname}}', `${p.name}-web-2`]);
    expect(options.stdout).toBe(`hi /etc 1000 ${second}\n`);
    const detached = await p.ok(['exec', '-d', 'web', 'sh', '-c', 'sleep 1; touch /tmp/detached-done']);
    expect(detached.stdout).toBe('');
    await sleep(2000);
    expect((await p.run(['exec', '-T', 'web', 'ls', '/tmp/detached-done'])).code).toBe(0);
    const missing = await p.run(['exec', '-T', '--index', '3', 'web', 'true']);
    expect(missing.stderr).toBe('service "web" is not running container #3\n');
  });
});

describe('cp and attach (docker)', () => {
  it('cp round-trips a file with its mode, and a directory, in both directions', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    const file = join(p.dir, 'script.sh');
    writeFileSync(file, '#!/bin/sh\necho copied\n');
    chmodSync(file, 0o741);
    await p.ok(['cp', 'script.sh', 'web:/tmp/']);
    expect((await p.ok(['exec', '-T', 'web', 'stat', '-c', '%a %u', '/tmp/script.sh'])).stdout).toBe('741 0\n');
    expect((await p.ok(['exec', '-T', 'web', '/tmp/script.sh'])).stdout).toBe('copied\n');
    await p.ok(['cp', 'web:/tmp/script.sh', 'back.sh']);
    expect(readFileSync(join(p.dir, 'back.sh'), 'utf8')).toBe('#!/bin/sh\necho copied\n');
    expect(statSync(join(p.dir, 'back.sh')).mode & 0o777).toBe(0o741);

    mkdirSync(join(p.dir, 'tree/sub'), { recursive: true });
    writeFileSync(join(p.dir, 'tree/sub/a.txt'), 'A');
    await p.ok(['cp', 'tree', 'web:/tmp/copied-tree']);
    expect((await p.ok(['exec', '-T', 'web', 'cat', '/tmp/copied-tree/sub/a.txt'])).stdout).toBe('A');
    await p.ok(['cp', 'web:/tmp/copied-tree', 'out']);
    expect(readFileSync(join(p.dir, 'out/sub/a.txt'), 'utf8')).toBe('A');
    mkdirSync(join(p.dir, 'existing'));
    await p.ok(['cp', 'web:/tmp/copied-tree', 'existing']);
    expect(readFileSync(join(p.dir, 'existing/copied-tree/sub/a.txt'), 'utf8')).toBe('A');
    const missing = await p.run(['cp', 'web:/nope', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('/nope');
  });

  it('attach forwards stdin and output; a partial detach sequence goes through, the full one detaches', async () => {
    const p = project(`
services:
  echo:
    image: ${BUSYBOX}
    command: ["cat"]
    stdin_open: true
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    const child = spawn(process.execPath, [CLI, '-p', p.name, 'attach', '--detach-keys', 'ctrl-x,q', 'echo'],
      { cwd: p.dir, env: { ...process.env, CI: 'true' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await sleep(1500);
    child.stdin.write('hello\n');
    const until = async (text: string): Promise<void> => {
      for (let i = 0; i < 100 && !out.includes(text); i++) await sleep(100);
      expect(out).toContain(text);
    };
    await until('hello\n');
    child.stdin.write('\u0018z\n');
    await until('\u0018z\n');
    child.stdin.write('\u0018q');
    expect(await exited).toBe(0);
    expect(p.containers().map((c) => c.state)).toEqual(['running']);
  });
});
