/**
 * Test harness for the CLI end-to-end suites: builds the CLI once, writes throwaway projects with unique names,
 * runs `node dist/bin/flotilla.js` in them, inspects with the docker CLI, and removes exactly what carries the
 * project's label (plus names it was told about), never anything else.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/bin/flotilla.js');
const PROJECT_LABEL = 'com.docker.compose.project';

/** The CLI is built by the suite's global setup (test/e2e/bundle-setup.ts) when the sources changed. */
export function buildCli(): void {
  if (!existsSync(CLI)) throw new Error(`the CLI was not built: ${CLI} missing (npm run build)`);
}

export function uniqueName(prefix = 'ft'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class TestProject {
  readonly dir: string;
  constructor(readonly name: string, compose: string) {
    this.dir = mkdtempSync(join(tmpdir(), `${name}-`));
    this.write(compose);
  }

  write(compose: string, file = 'compose.yaml'): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, file), compose);
  }

  /** Runs `flotilla -p <name> <args>` in the project directory; never throws. */
  /**
   * Runs a command to its end, with `input` piped to its stdin if given (else stdin is empty); one still running
   * after `deadlineMs` is killed and says so in its stderr.
   */
  run(args: string[], env: NodeJS.ProcessEnv = {}, options: { input?: string; deadlineMs?: number } = {}): Promise<RunResult> {
    const deadlineMs = options.deadlineMs ?? 150_000;
    return new Promise((resolvePromise) => {
      const child = this.spawn(args, env, options.input === undefined ? 'ignore' : 'pipe');
      let stdout = '';
      let stderr = '';
      const deadline = setTimeout(() => {
        stderr += `\n[harness] flotilla ${args.join(' ')} still running after ${deadlineMs / 1000} s: killed\n`;
        child.kill('SIGKILL');
      }, deadlineMs);
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code, signal) => {
        clearTimeout(deadline);
        resolvePromise({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      });
      if (options.input !== undefined) child.stdin!.end(options.input);
    });
  }

  spawn(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
    return spawn(process.execPath, [CLI, '-p', this.name, ...args], {
      cwd: this.dir,
      env: { ...process.env, CI: 'true', ...env },
      stdio: [stdin, 'pipe', 'pipe'],
    });
  }

  /** Like run() but fails the test with the output when the command does not exit 0. */
  async ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    const result = await this.run(args, env);
    if (result.code !== 0) throw new Error(`flotilla ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  /** Containers with the project label: name → id, state, labels. */
  containers(): ContainerView[] {
    return listContainers(this.name);
  }

  async cleanup(): Promise<void> {
    removeProjectResources(this.name);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ContainerView {
  id: string;
  name: string;
  state: string;
  service: string;
  number: string;
  startedAt: string;
  health?: { Status: string; Log: { Start: string; End: string; ExitCode: number }[] };
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function listContainers(project: string): ContainerView[] {
  const ids = docker(['ps', '-aq', '--no-trunc', '--filter', `label=${PROJECT_LABEL}=${project}`]).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const details = JSON.parse(docker(['inspect', ...ids])) as Array<{
    Id: string; Name: string; State: { Status: string; StartedAt: string; Health?: ContainerView['health'] };
    Config: { Labels: Record<string, string> };
  }>;
  return details
    .map((d) => ({
      id: d.Id, name: d.Name.replace(/^\//, ''), state: d.State.Status, startedAt: d.State.StartedAt, health: d.State.Health,
      service: d.Config.Labels['com.docker.compose.service'] ?? '', number: d.Config.Labels['com.docker.compose.container-number'] ?? '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function projectNetworks(project: string): string[] {
  return docker(['network', 'ls', '-q', '--filter', `label=${PROJECT_LABEL}=${project}`]).split('\n').filter(Boolean);
}

export function projectVolumes(project: string): string[] {
  return docker(['volume', 'ls', '-q', '--filter', `label=${PROJECT_LABEL}=${project}`]).split('\n').filter(Boolean);
}

/** Removes the containers, networks and volumes labelled with this (unique, test-made) project name. */
export function removeProjectResources(project: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=${PROJECT_LABEL}=${project}`]).split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-fv', ...ids], { stdio: 'ignore' });
  const networks = projectNetworks(project);
  if (networks.length > 0) spawnSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore' });
  const volumes = projectVolumes(project);
  if (volumes.length > 0) spawnSync('docker', ['volume', 'rm', '-f', ...volumes], { stdio: 'ignore' });
}

/** A TCP port nobody listens on now (for published ports). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export const BUSYBOX = 'flotilla-test/busybox:latest';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (or fails the test after `ms`). */
/** Resolves with the time it took once `check` holds; fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(100);
  }
  return Date.now() - started;
}

/**
 * For a test file: builds the CLI before its tests and removes every project made with the returned function
 * after them. Project names start with `prefix` and are unique per run.
 */
export function useTestProjects(prefix: string): (compose: string) => TestProject {
  const projects: TestProject[] = [];
  beforeAll(() => buildCli());
  afterAll(async () => {
    for (const p of projects.splice(0)) await p.cleanup();
  });
  return (compose) => {
    const p = new TestProject(uniqueName(prefix), compose);
    projects.push(p);
    return p;
  };
}

/**
 * Six requests to the nginx-node-redis example on `port`: each answers 200 and counts one more visit, and both
 * web servers answer (nginx takes them in turn).
 */
export async function expectCountedVisits(port: number): Promise<void> {
  const counts: number[] = [];
  const servers = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    const text = await response.text();
    const match = /^(\S+): Number of visits is: (\d+)$/m.exec(text);
    expect(match, text).not.toBeNull();
    servers.add(match![1]!);
    counts.push(Number(match![2]));
  }
  expect(counts).toEqual(counts.map((_, i) => counts[0]! + i));
  expect([...servers].sort()).toEqual(['web1', 'web2']);
}
