/**
 * The observing commands against the real Docker engine: logs (interleaving, follow, prefixes), ps, port, top,
 * images, ls, events, kill, pause/unpause, wait, stats, version, completion, and the unknown-service message.
 */
import { describe, expect, it } from 'vitest';
import {
  docker, BUSYBOX, sleep, eventually, useTestProjects,
} from './flotilla-harness.js';

const project = useTestProjects('ft-obs');


describe('logs (docker)', () => {
  it('interleaves two containers in time order, with padded prefixes and without timestamps', async () => {
    const p = project(`
services:
  alpha:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo a1; sleep 0.6; echo a2; sleep 0.6; echo a3 >&2"]
  be:
    image: ${BUSYBOX}
    command: ["sh", "-c", "sleep 0.3; echo b1; sleep 0.6; echo b2; sleep 0.6; echo b3"]
`);
    await p.ok(['up', '-d']);
    await eventually(() => p.containers().every((c) => c.state === 'exited'));
    const all = await p.ok(['logs', '--no-color']);
    expect(all.stdout).toBe('alpha-1 | a1\nbe-1    | b1\nalpha-1 | a2\nbe-1    | b2\nbe-1    | b3\n');
    expect(all.stderr).toContain('alpha-1 | a3\n');
    const bare = await p.ok(['logs', '--no-log-prefix', 'be']);
    expect(bare.stdout).toBe('b1\nb2\nb3\n');
    const stamped = await p.ok(['logs', '-t', '--no-log-prefix', '--tail', '1', 'be']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b3\n$/);
    const coloured = await p.ok(['--ansi', 'always', 'logs', 'alpha']);
    expect(coloured.stdout).toContain('\u001b[36malpha-1 | \u001b[0ma1\n');
  });

  it('--follow shows lines written after it started, picks up containers that start, and ends when all stopped', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo first; while true; do sleep 0.2; done"]
  late:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo late-line; sleep 600"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d', 'web']);
    const child = p.spawn(['logs', '--follow', '--no-color']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await eventually(() => out.includes('web-1 | first'));
    await p.ok(['exec', '-T', 'web', 'sh', '-c', 'echo written-later > /proc/1/fd/1']);
    await eventually(() => out.includes('web-1 | written-later'));
    await p.ok(['up', '-d', 'late']);
    await eventually(() => out.includes('late-1 | late-line'));
    // The prefixes widen to the longest name seen, as Docker Compose's do.
    await p.ok(['exec', '-T', 'web', 'sh', '-c', 'echo again > /proc/1/fd/1']);
    await eventually(() => out.includes('web-1  | again'));
    let done = false;
    void exited.then(() => (done = true));
    await sleep(500);
    expect(done).toBe(false);
    await p.ok(['stop']);
    expect(await exited).toBe(0);
  });
});

describe('port, top, images, ls (docker)', () => {
  it('answers about a running service', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1::80"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    const port = await p.ok(['port', 'web', '80']);
    expect(port.stdout).toMatch(/^127\.0\.0\.1:\d+\n$/);
    const published = docker(['port', `${p.name}-web-1`, '80/tcp']);
    expect(published).toContain(port.stdout.trim());
    const missing = await p.run(['port', 'web', '81']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no port 81/tcp for container ${p.name}-web-1`);

    const top = await p.ok(['top']);
    expect(top.stdout.split('\n')[0]).toBe(`${p.name}-web-1`);
    expect(top.stdout).toMatch(/PID/);
    expect(top.stdout).toContain('httpd -f -p 80');

    const images = await p.ok(['images']);
    expect(images.stdout).toMatch(new RegExp(`${p.name}-web-1\\s+flotilla-test/busybox\\s+latest`));
    const json = JSON.parse((await p.ok(['images', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([expect.objectContaining({ ContainerName: `${p.name}-web-1`, Repository: 'flotilla-test/busybox', Tag: 'latest' })]);
    const quiet = await p.ok(['images', '-q']);
    expect(quiet.stdout.trim()).toBe(docker(['inspect', '-f', '{{.Image}}', `${p.name}-web-1`]));

    const ls = await p.ok(['ls', '--filter', `name=${p.name}`]);
    expect(ls.stdout).toMatch(new RegExp(`^NAME\\s+STATUS\\s+CONFIG FILES\\n${p.name}\\s+running\\(1\\)\\s+\\S+compose\\.yaml\\n$`));
    const lsJson = JSON.parse((await p.ok(['ls', '--format', 'json', '--filter', `name=${p.name}`])).stdout) as unknown;
    expect(lsJson).toEqual([{ Name: p.name, Status: 'running(1)', ConfigFiles: expect.stringMatching(/compose\.yaml$/) }]);
    await p.ok(['stop']);
    expect((await p.ok(['ls', '-q', '--filter', `name=${p.name}`])).stdout).toBe('');
    expect((await p.ok(['ls', '-a', '-q', '--filter', `name=${p.name}`])).stdout).toBe(`${p.name}\n`);
    const stopped = await p.ok(['ls', '-a', '--filter', `name=${p.name}`]);
    expect(stopped.stdout).toContain('exited(1)');
  });
});

describe('ps (docker)', () => {
  it('lists as Docker Compose does: table, -a, --status, -q, --services, and --format json with its keys', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1::80"]
    stop_signal: SIGKILL
  job:
    image: ${BUSYBOX}
    command: ["sh", "-c", "exit 3"]
`);
    await p.run(['up', '-d']);
    await eventually(() => p.containers().some((c) => c.service === 'job' && c.state === 'exited'));
    const table = (await p.ok(['ps'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    expect(table.slice(1).filter(Boolean)).toHaveLength(1);
    expect(table[1]).toMatch(new RegExp(`^${p.name}-web-1\\s+flotilla-test/busybox:latest\\s+"httpd -f -p 80"\\s+web\\s+.*Up .*127\\.0\\.0\\.1:\\d+->80/tcp$`));
    expect((await p.ok(['ps', '-a', '--services'])).stdout).toBe('job\nweb\n');
    expect((await p.ok(['ps', '--status', 'exited', '--services'])).stdout).toBe('job\n');
    expect((await p.ok(['ps', '--filter', 'status=running', '--services'])).stdout).toBe('web\n');
    const badFilter = await p.run(['ps', '--filter', 'name=web']);
    expect([badFilter.code, badFilter.stderr.trim()]).toEqual([1, 'invalid filter "name=web" (the only filter is status=<status>)']);
    const ids = (await p.ok(['ps', '-a', '-q'])).stdout.trim().split('\n').sort();
    expect(ids).toEqual(p.containers().map((c) => c.id).sort());
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);

    const lines = (await p.ok(['ps', '-a', '--format', 'json'])).stdout.trim().split('\n');
    const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const job = rows.find((r) => r.Service === 'job')!;
    const web = rows.find((r) => r.Service === 'web')!;
    expect(job).toMatchObject({ Name: `${p.name}-job-1`, Project: p.name, State: 'exited', ExitCode: 3, Health: '', Publishers: [] });
    expect(job.Status).toMatch(/^Exited \(3\)/);
    const port = Number(docker(['port', `${p.name}-web-1`, '80/tcp']).split(':').pop());
    expect(web).toMatchObject({
      Name: `${p.name}-web-1`, Image: 'flotilla-test/busybox:latest', State: 'running', ExitCode: 0,
      Publishers: [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: port, Protocol: 'tcp' }],
      Networks: `${p.name}_default`,
    });
    expect(web.ID).toMatch(/^[0-9a-f]{12}$/);
    expect(web.Labels).toContain(`com.docker.compose.service=web`);
    const full = JSON.parse((await p.ok(['ps', '--format', 'json', '--no-trunc', 'web'])).stdout) as Record<string, unknown>;
    expect(full.ID).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('kill, pause, wait, events, stats (docker)', () => {
  const compose = `
services:
  web:
    image: ${BUSYBOX}
    command: ["sh", "-c", "trap 'exit 143' TERM; while true; do sleep 0.1; done"]
  other:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`;

  it('pause and unpause change the states; kill -s SIGTERM delivers that signal', async () => {
    const p = project(compose);
    await p.ok(['up', '-d']);
    const events = p.spawn(['events', '--json']);
    let eventOut = '';
    events.stdout!.on('data', (d: Buffer) => (eventOut += d.toString()));
    await sleep(500);
    await p.ok(['pause', 'web']);
    expect(Object.fromEntries(p.containers().map((c) => [c.service, c.state]))).toEqual({ web: 'paused', other: 'running' });
    await p.ok(['unpause']);
    expect(p.containers().map((c) => c.state)).toEqual(['running', 'running']);
    const stats = await p.ok(['stats', '--no-stream', '--format', 'json', 'web']);
    const row = JSON.parse(stats.stdout.trim()) as Record<string, string>;
    expect(row.Name).toBe(`${p.name}-web-1`);
    expect(row.CPUPerc).toMatch(/%$/);
    await p.ok(['kill', '-s', 'SIGTERM', 'web']);
    await eventually(() => p.containers().find((c) => c.service === 'web')?.state === 'exited');
    expect(docker(['inspect', '-f', '{{.State.ExitCode}}', `${p.name}-web-1`])).toBe('143');
    await p.ok(['kill']);
    await eventually(() => p.containers().every((c) => c.state === 'exited'));
    expect(docker(['inspect', '-f', '{{.State.ExitCode}}', `${p.name}-other-1`])).toBe('137');
    await eventually(() => eventOut.includes('"action":"die"'));
    events.kill('SIGINT');
    const lines = eventOut.trim().split('\n').map((l) => JSON.parse(l) as { action: string; service: string });
    expect(lines.map((l) => `${l.service}:${l.action}`)).toEqual(expect.arrayContaining(['web:pause', 'web:unpause', 'web:kill', 'other:die']));
  });

  it('wait returns the exit code of the first container to stop; --down-project removes the project', async () => {
    const p = project(`
services:
  job:
    image: ${BUSYBOX}
    command: ["sh", "-c", "sleep 1; exit 5"]
  web:
    image: ${BUSYBOX}
    command: ["sleep", "600"]
    stop_signal: SIGKILL
`);
    await p.ok(['up', '-d']);
    const waited = await p.run(['wait', 'job']);
    expect(waited.code).toBe(5);
    expect(waited.stdout).toMatch(/^container "[0-9a-f]{64}" exited with status code 5\n$/);
    await p.ok(['up', '-d']);
    const down = await p.run(['wait', '--down-project', 'job', 'web']);
    expect(down.code).toBe(5);
    expect(p.containers()).toEqual([]);
  });
});

describe('errors, version, completion', () => {
  it('names the closest service for an unknown one, with exit code 1', async () => {
    const p = project(`
services:
  web:
    image: ${BUSYBOX}
  worker:
    image: ${BUSYBOX}
`);
    for (const args of [['logs', 'wbe'], ['exec', 'wbe', 'true'], ['run', 'wbe'], ['port', 'wbe', '80'], ['top', 'wbe'],
      ['kill', 'wbe'], ['pause', 'wbe'], ['images', 'wbe'], ['wait', 'wbe'], ['cp', 'wbe:/x', '.'], ['attach', 'wbe'],
      ['stats', 'wbe'], ['events', 'wbe']]) {
      const result = await p.run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toBe('no such service: wbe (did you mean web?)\n');
    }
    const far = await p.run(['logs', 'database']);
    expect(far.stderr).toBe('no such service: database\n');
    const notRunning = await p.run(['exec', '-T', 'web', 'true']);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toBe('service "web" is not running\n');
  });

  it('prints the version in three formats', async () => {
    const p = project(`services: {}\n`);
    const version = (JSON.parse((await import('node:fs')).readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect((await p.ok(['version'])).stdout).toBe(`Flotilla version v${version}\n`);
    expect((await p.ok(['version', '--short'])).stdout).toBe(`${version}\n`);
    expect(JSON.parse((await p.ok(['version', '--format', 'json'])).stdout)).toEqual({ version: `v${version}` });
  });

  it('generates bash and zsh completion from the commands and their flags', async () => {
    const p = project(`services: {}\n`);
    const bash = (await p.ok(['completion', 'bash'])).stdout;
    expect(bash).toContain('complete -F _flotilla flotilla');
    expect(bash).toMatch(/logs\) COMPREPLY=\(\$\(compgen -W "[^"]*--follow/);
    expect(bash).toMatch(/up\) COMPREPLY/);
    const syntax = (await import('node:child_process')).spawnSync('bash', ['-n'], { input: bash });
    expect(syntax.status).toBe(0);
    const zsh = (await p.ok(['completion', 'zsh'])).stdout;
    expect(zsh).toContain('#compdef flotilla');
    expect(zsh).toContain("'exec:Execute a command in a running container'");
  });
});
