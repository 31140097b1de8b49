/**
 * Where flags go on the command line, against the real Docker engine: a command's own short flags after its name
 * (`logs -f`, `rm -f -s`, `down -v`, `run -p`) are the command's, not the global `-f`/`-p`/`-v`; a command's
 * arguments (`exec web test -f x`) are left alone; global flags work before and after the command; and piped
 * stdin ends a one-off container (`echo x | run -T svc cat`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLI, docker, freePort, projectVolumes, ROOT, TestProject, type RunResult, BUSYBOX, sleep, eventually, useTestProjects,
} from './flotilla-harness.js';

const project = useTestProjects('ft-flags');


/**
 * Runs the CLI in the project's directory with exactly `args` (TestProject.run puts `-p <name>` first, which would
 * hide where the flags are placed), optionally piping `input` to its stdin. Killed after `ms` so that a command that
 * never ends fails the test with its output instead of hanging it.
 */
function cli(p: TestProject, args: string[], options: { input?: string; ms?: number } = {}): Promise<RunResult & { timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: p.dir,
      env: { ...process.env, CI: 'true' },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.ms ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, timedOut });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** GET / on a host port; resolves with the HTTP status (busybox httpd answers 404 for an empty web root). */
function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe("a command's own short flags after its name (docker)", () => {
  it('logs -f follows: prints lines written later and ends when the container stops', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo first; sleep 3; echo second"]
`);
    await p.ok(['up', '-d']);
    const child = p.spawn(['logs', '-f', '--no-color']);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    let done = false;
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    void exited.then(() => (done = true));
    await eventually(() => out.includes('web-1 | first') || done);
    expect(done, err).toBe(false); // still following: `-f` was not read as --file
    await eventually(() => out.includes('web-1 | second'));
    expect(await exited).toBe(0);
    expect(out).toBe('web-1 | first\nweb-1 | second\n');
  });

  it('rm -f -s stops and removes the named service without asking, leaving the others', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  other:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    // stdin is not a terminal and nothing is piped: a prompt would get no answer.
    const rm = await p.run(['rm', '-f', '-s', 'web']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(p.containers().map((c) => `${c.service}:${c.state}`)).toEqual(['other:running']);
  });

  it('rm without -f asks first: no answer or "n" removes nothing, "y" removes the stopped containers', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  job:
    image: ${BUSYBOX}
    command: ["true"]
`);
    await p.ok(['up', '-d']);
    await eventually(() => p.containers().some((c) => c.service === 'job' && c.state === 'exited'));
    const states = (): string[] => p.containers().map((c) => `${c.service}:${c.state}`).sort();
    const unanswered = await p.run(['rm']);
    expect(unanswered.code, unanswered.stderr).toBe(0);
    expect(unanswered.stderr).toContain(`Going to remove ${p.name}-job-1\n`);
    expect(states()).toEqual(['job:exited', 'web:running']);
    const no = await p.run(['rm'], {}, { input: 'n\n' });
    expect([no.code, states()]).toEqual([0, ['job:exited', 'web:running']]);
    const yes = await p.run(['rm'], {}, { input: 'y\n' });
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stderr).toContain('Are you sure? [yN]');
    expect(states()).toEqual(['web:running']);
    const nothing = await p.run(['rm']);
    expect([nothing.code, nothing.stderr.trim()]).toEqual([0, 'No stopped containers']);
  });

  it('down -v removes the named volume; down alone keeps it', async () => {
    const p = project(`
services:
  app:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    volumes: ["data:/data"]
volumes:
  data: {}
`);
    await p.ok(['up', '-d']);
    expect(projectVolumes(p.name)).toEqual([`${p.name}_data`]);
    await p.ok(['down']);
    expect(p.containers()).toEqual([]);
    expect(projectVolumes(p.name)).toEqual([`${p.name}_data`]);
    await p.ok(['up', '-d']);
    await p.ok(['down', '-v']);
    expect(p.containers()).toEqual([]);
    expect(projectVolumes(p.name)).toEqual([]);
  });

  it('run -p HOST:CONTAINER publishes the port; -v, -w, -u, -e are run\'s own', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    const port = await freePort();
    const run = await p.ok(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'web', 'httpd', '-f', '-p', '80']);
    const name = run.stdout.trim();
    expect(name).toMatch(new RegExp(`^${p.name}-web-run-[0-9a-f]{12}$`));
    expect(docker(['port', name, '80/tcp'])).toBe(`127.0.0.1:${port}`);
    // httpd may take a moment to listen; the host port answers as soon as it does.
    let status = 0;
    for (let i = 0; i < 50 && status === 0; i++) {
      status = await httpStatus(port).catch(() => 0);
      if (status === 0) await sleep(200);
    }
    expect(status).toBe(404);

    // The other short forms of run that once collided with global flags or read their neighbours' values.
    mkdirSync(join(p.dir, 'shared'));
    writeFileSync(join(p.dir, 'shared/hello.txt'), 'from host\n');
    const short = await p.ok(['run', '--rm', '-v', './shared:/mnt/shared:ro', '-w', '/tmp', '-u', '1234', '-e', 'X=1', 'web',
      'sh', '-c', 'echo "$X $(pwd) $(id -u) $(cat /mnt/shared/hello.txt)"']);
    expect(short.stdout).toBe('1 /tmp 1234 from host\n');
  });

  it("exec leaves the command's own flags to the command (test -f, sh -c with -f -p -v)", async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    const present = await p.run(['exec', 'web', 'test', '-f', '/etc/passwd']);
    expect(present.code, present.stderr).toBe(0);
    const absent = await p.run(['exec', 'web', 'test', '-f', '/etc/no-such-file']);
    expect(absent.code).toBe(1);
    const echoed = await p.ok(['exec', '-T', 'web', 'sh', '-c', 'echo "$@"', 'sh', '-f', 'x.yml', '-p', 'name', '-v', '--version']);
    expect(echoed.stdout).toBe('-f x.yml -p name -v --version\n');
  });

  it('version -f json is the command\'s --format', async () => {
    const p = project('services: {}\n');
    const version = await cli(p, ['version', '-f', 'json']);
    expect(version.code, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout)).toEqual({ version: expect.stringMatching(/^v\d+\.\d+\.\d+/) });
  });
});

describe('global flags before and after the command', () => {
  // compose.yaml is there too, so a -f that was ignored would show in the answer.
  const other = `
name: from-file
services:
  alpha:
    image: ${BUSYBOX}
  beta:
    image: ${BUSYBOX}
`;

  it('config --services -f x.yml -p name: after the command', async () => {
    const p = project(`services:\n  default-only:\n    image: ${BUSYBOX}\n`);
    p.write(other, 'x.yml');
    const services = await cli(p, ['config', '--services', '-f', 'x.yml', '-p', p.name]);
    expect(services.code, services.stderr).toBe(0);
    expect(services.stdout).toBe('alpha\nbeta\n');
    const json = await cli(p, ['config', '--format', 'json', '-f', 'x.yml', '-p', p.name]);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { name: string }).name).toBe(p.name);
  });

  it('-f x.yml -p name config --services: before the command', async () => {
    const p = project(`services:\n  default-only:\n    image: ${BUSYBOX}\n`);
    p.write(other, 'x.yml');
    const services = await cli(p, ['-f', 'x.yml', '-p', p.name, 'config', '--services']);
    expect(services.code, services.stderr).toBe(0);
    expect(services.stdout).toBe('alpha\nbeta\n');
    const json = await cli(p, ['-f', 'x.yml', '-p', p.name, 'config', '--format', 'json']);
    expect((JSON.parse(json.stdout) as { name: string }).name).toBe(p.name);
  });

  it('-p after a lifecycle command names the project it acts on (docker)', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    const up = await cli(p, ['up', '-d', '-p', p.name]);
    expect(up.code, up.stderr).toBe(0);
    expect(p.containers().map((c) => c.name)).toEqual([`${p.name}-web-1`]);
    const down = await cli(p, ['down', '-p', p.name]);
    expect(down.code, down.stderr).toBe(0);
    expect(p.containers()).toEqual([]);
  });

  it('--version prints the version', async () => {
    const p = project('services: {}\n');
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const printed = await cli(p, ['--version']);
    expect(printed).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('--data-root, before or after the command, is where the embedded engine keeps its state', async () => {
    const p = project('services: {}\n');
    for (const [i, args] of [
      ['--engine', 'embedded', '--data-root', join(p.dir, 'root-0'), 'image', 'ls'],
      ['image', 'ls', '--engine', 'embedded', '--data-root', join(p.dir, 'root-1')],
    ].entries()) {
      const listed = await cli(p, args);
      expect(listed.code, listed.stderr).toBe(0);
      expect(existsSync(join(p.dir, `root-${i}`, 'images'))).toBe(true);
    }
  });
});

describe('run with piped stdin and with -d --rm (docker)', () => {
  const compose = `
services:
  svc:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`;
  const oneOffs = (p: TestProject): string[] =>
    docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${p.name}`, '--filter', 'label=com.docker.compose.oneoff=True',
      '--format', '{{.Names}}']).split('\n').filter(Boolean);

  it('echo hello | run --rm -T svc cat prints hello, exits 0 and leaves no container', async () => {
    const p = project(compose);
    const result = await cli(p, ['-p', p.name, 'run', '--rm', '-T', 'svc', 'cat'], { input: 'hello\n', ms: 30_000 });
    expect(result.timedOut, 'run did not end when its stdin did').toBe(false);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('hello\n');
    expect(oneOffs(p)).toEqual([]);
  });

  it('run -d --rm is refused before anything is created, with a message naming both flags', async () => {
    const p = project(compose);
    const result = await cli(p, ['-p', p.name, 'run', '-d', '--rm', 'svc', 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('--rm and -d cannot be combined\n');
    expect(p.containers()).toEqual([]);
  });
});
