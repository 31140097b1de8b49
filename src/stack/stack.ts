/**
 * `Stack`: a compose project started for a test and torn down after it, through the same API functions as the
 * CLI (`up`, `down`, `ps`, `plan` of src/index.ts, and the exec and logs of src/api/).
 *
 * ```ts
 * await using stack = await Stack.up({ files: ['compose.yaml'] });
 * const res = await fetch(await stack.url('web', 80, { path: '/health' }));
 * ```
 *
 * By default each stack gets its own project name, its ports are whatever the engine picked, it is ready when
 * `up` resolves (failing fast, with the failing service's log lines, when it cannot be), and it is removed even if
 * the process dies without calling `down`.
 */
import './dispose.js';
import { PassThrough, Writable } from 'node:stream';
import { execInService } from '../api/exec.js';
import { logs } from '../api/logs.js';
import type { ContainerStatus } from '../api/ps.js';
import { down, plan, ps, up } from '../api/commands.js';
import type { Project } from '../model/types.js';
import type { Plan } from '../reconcile/plan.js';
import { StackEventEmitter, type StackEvent, type StackEventType, type StackListener } from './events.js';
import type { StackDownOptions, StackExecOptions, StackExecResult, StackLogsOptions, StackPortOptions, StackUpOptions,
  StackUrlOptions } from './options.js';
import { hostAddress, publishedPort } from './ports.js';
import { explainStartFailure, prepareStack, type StackContext } from './prepare.js';
import { removeProjectResources } from './reaper.js';
import { readinessTargets, waitForStack, watchStackStates } from './readiness.js';

const DEFAULT_TIMEOUT_MS = 120_000;

/** A running compose project. Create one with `Stack.up`; end it with `down()` or `await using`. */
export class Stack {
  private readonly emitter = new StackEventEmitter();
  private monitor?: AbortController;
  private downing?: Promise<void>;
  private model?: Project;

  private constructor(private readonly context: StackContext) {}

  /**
   * Starts the stack and, unless `wait: false`, waits until it is ready. Rejects with ServiceNotReadyError when a
   * service exits or turns unhealthy (at once, with its last log lines), with StackTimeoutError after `timeoutMs`;
   * an ephemeral stack that failed to start is removed before the promise rejects.
   */
  static async up(options: StackUpOptions = {}): Promise<Stack> {
    const stack = new Stack(await prepareStack(options));
    if (options.onEvent) stack.emitter.on('*', options.onEvent);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      await stack.start(options, timeoutMs, deadline);
    } catch (error) {
      const failure = await explainStartFailure(error, stack.context, {
        timeoutMs, timedOut: deadline.aborted && !options.signal?.aborted, logLines: options.logLines,
      });
      if (stack.context.ephemeral && !options.keepOnFailure) await stack.down().catch(() => undefined);
      else await stack.release({ keepReaper: true });
      throw failure;
    }
    return stack;
  }

  private async start(options: StackUpOptions, timeoutMs: number, deadline: AbortSignal): Promise<void> {
    const startedAt = Date.now();
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const result = await up({
      ...this.context.apiOptions,
      services: this.context.services,
      wait: false,
      waitTimeoutSec: Math.max(1, Math.ceil(timeoutMs / 1000)),
      signal,
      onEvent: (event) => this.emitter.emit({ type: 'progress', event }),
      onWarning: (message) => this.emitter.emit({ type: 'warning', message }),
    });
    this.model = result.project;
    if (options.wait === false) return;
    await waitForStack(this.context.engine, this.projectName, readinessTargets(result.project, this.context.services), {
      timeoutMs: Math.max(0, timeoutMs - (Date.now() - startedAt)),
      signal: options.signal,
      logLines: options.logLines,
      onState: (event) => this.emitter.emit(event),
      onReady: (event) => this.emitter.emit(event),
    });
  }

  /** The project name (unique per stack unless one was given). */
  get projectName(): string {
    return this.context.projectName;
  }

  /** The compose files, absolute, as given or found. */
  get files(): string[] {
    return [...this.context.files];
  }

  /** Whether the stack is removed when this process dies. */
  get ephemeral(): boolean {
    return this.context.ephemeral;
  }

  /** The pid of the detached watcher that removes an ephemeral stack if this process dies (diagnostics, tests). */
  get reaperPid(): number | undefined {
    return this.context.reaper?.pid;
  }

  /** The loaded compose model the stack was started from. */
  get project(): Project {
    return this.model!;
  }

  /** The host port the engine bound for a container port of a service (`"80"` in the file: a random one). */
  async port(service: string, containerPort: number, options: StackPortOptions = {}): Promise<number> {
    return (await publishedPort(this.context.engine, this.projectName, service, containerPort, options)).hostPort;
  }

  /** `http://127.0.0.1:<host port><path>` for a container port of a service. */
  async url(service: string, containerPort: number, options: StackUrlOptions = {}): Promise<string> {
    const bound = await publishedPort(this.context.engine, this.projectName, service, containerPort, options);
    const path = options.path ? (options.path.startsWith('/') ? options.path : `/${options.path}`) : '';
    return `${options.scheme ?? 'http'}://${hostAddress(bound)}:${bound.hostPort}${path}`;
  }

  /** Runs a command in a running container of the service and collects its output and exit code. */
  async exec(service: string, command: string[], options: StackExecOptions = {}): Promise<StackExecResult> {
    const stdout = collector();
    const stderr = collector();
    let stdin: PassThrough | undefined;
    if (options.stdin !== undefined) {
      stdin = new PassThrough();
      stdin.end(options.stdin);
    }
    const exitCode = await execInService({
      ...this.context.apiOptions,
      service,
      command,
      index: options.index,
      environment: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
      user: options.user,
      workingDir: options.workdir,
      stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** What the service's containers wrote so far; with several replicas, each line starts with `web-2 | `. */
  async logs(service: string, options: StackLogsOptions = {}): Promise<string> {
    const lines: Array<{ source: string; text: string }> = [];
    await logs({ ...this.context.apiOptions, services: [service], tail: options.tail }, (line) => {
      lines.push({ source: line.source.displayName, text: line.text.toString('utf8') });
    });
    const several = new Set(lines.map((l) => l.source)).size > 1;
    return lines.map((l) => (several ? `${l.source} | ${l.text}` : l.text)).join('\n') + (lines.length > 0 ? '\n' : '');
  }

  /** The stack's containers, stopped ones included. */
  ps(): Promise<ContainerStatus[]> {
    return ps({ ...this.context.apiOptions, all: true });
  }

  /** What `up` would change now (nothing, right after a start, unless something drifted). */
  plan(): Promise<Plan> {
    return plan({ ...this.context.apiOptions, services: this.context.services });
  }

  /** Adds a listener for one kind of event (`'*'` for all) and starts watching the stack's containers; returns its removal. */
  on<T extends StackEventType>(type: T, listener: StackListener<T>): () => void;
  on(type: '*', listener: (event: StackEvent) => void): () => void;
  on(type: StackEventType | '*', listener: (event: never) => void): () => void {
    this.startMonitor();
    return this.emitter.on(type as '*', listener as (event: StackEvent) => void);
  }

  /** Every event from now on, until `down()`, the signal aborts, or the loop breaks. */
  events(signal?: AbortSignal): AsyncGenerator<StackEvent> {
    this.startMonitor();
    const stopped = this.monitor?.signal ?? AbortSignal.abort(); // downed already: an iterator that ends at once
    return this.emitter.iterate(signal ? AbortSignal.any([signal, stopped]) : stopped);
  }

  /**
   * Stops and removes the stack's containers and networks (and volumes: see StackDownOptions), then stops its
   * reaper. Idempotent: later calls wait for the first one.
   */
  down(options: StackDownOptions = {}): Promise<void> {
    this.downing ??= this.tearDown(options);
    return this.downing;
  }

  /** `await using stack = ...` calls this: `down()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }

  private async tearDown(options: StackDownOptions): Promise<void> {
    const ephemeral = this.context.ephemeral;
    this.monitor?.abort();
    try {
      await down({
        ...this.context.apiOptions,
        volumes: options.volumes ?? ephemeral,
        timeoutSec: options.timeoutSec ?? (ephemeral ? 0 : undefined),
        removeOrphans: true,
        onEvent: (event) => this.emitter.emit({ type: 'progress', event }),
        onWarning: (message) => this.emitter.emit({ type: 'warning', message }),
      });
    } catch (error) {
      // an ephemeral stack must go whatever happened: remove what carries its label, then report the failure
      if (ephemeral) await removeProjectResources(this.context.engine, this.projectName).catch(() => undefined);
      throw error;
    } finally {
      await this.release();
    }
  }

  /**
   * Lets go of the reaper, the label file and the engine (the containers stay as they are). With `keepReaper`, the
   * reaper keeps watching: a stack kept for a look after a failed start still goes when this process ends.
   */
  private async release(options: { keepReaper?: boolean } = {}): Promise<void> {
    this.monitor?.abort();
    if (options.keepReaper && this.context.reaper) {
      if (this.context.ownsEngine) await this.context.engine.close().catch(() => undefined);
      return;
    }
    this.context.reaper?.release();
    await this.context.override?.remove().catch(() => undefined);
    if (this.context.ownsEngine) await this.context.engine.close().catch(() => undefined);
  }

  private startMonitor(): void {
    if (this.monitor || this.downing) return;
    this.monitor = new AbortController();
    void watchStackStates(this.context.engine, this.projectName, this.monitor.signal, (event) => this.emitter.emit(event));
  }
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
