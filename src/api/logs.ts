/**
 * `logs`: the output of a project's containers, interleaved in time order. What was already written is read
 * once to `now` and merged by timestamp; with `follow`, each running container is then streamed from `now` on,
 * containers that start later are picked up from the engine's events, and the whole thing ends when no followed
 * container runs any more. Lines flow through one at a time: nothing holds whole logs in memory.
 */
import { NotFoundError } from '../engine/errors.js';
import type { ContainerSummary, Engine, EngineEvent } from '../engine/types.js';
import { Label } from '../reconcile/labels.js';
import { mergeByTime, splitLines, type TimedLine } from './log-lines.js';
import type { ProjectOptions } from './options.js';
import { filterContainers, numberOf, serviceOf, shortName, withProjectScope, type ContainerQuery } from './project-containers.js';
import { parseTimeArg, unixSecondsArg } from './time-arg.js';

/** Options of `logs`: services, follow, tail, time bounds, timestamps, replica index. */
export interface LogsOptions extends ProjectOptions {
  /** Only these services; default all. */
  services?: string[];
  /** Keep streaming new output, and containers that start later, until every container stopped (`-f`). */
  follow?: boolean;
  /** Lines from the end of each container's logs; default all (`--tail`). */
  tail?: number;
  /** Unix timestamp, RFC 3339 time or relative duration ("10m") (`--since`). */
  since?: string;
  until?: string;
  /** Only the replica with this number (`--index`). */
  index?: number;
  /**
   * The caller shows each line's time (`-t`). Without it, times are still asked of the engine to interleave
   * several containers, but not for a single one (reading them costs as much as the rest of the line), and then
   * a line's `time` is when it was read.
   */
  timestamps?: boolean;
  /** Called once per container before its first line (and when a followed container starts later). */
  onContainer?: (source: LogSource) => void;
}

/** A container whose output is being shown. */
export interface LogSource {
  id: string;
  /** Full container name. */
  name: string;
  /** The name without the project prefix (`web-1`), which Docker Compose prefixes lines with. */
  displayName: string;
  service: string;
  number: number;
}

/** One line of a container's output, with the container and service it came from. */
export interface LogLine extends TimedLine {
  source: LogSource;
}

/** Receives each line; may return a promise (e.g. when the output is full) to slow the reading down. */
export type LogSink = (line: LogLine) => void | Promise<void>;

/** Streams the logs to `onLine`; resolves when they are all shown (or, following, when every container stopped). */
export async function logs(options: LogsOptions, onLine: LogSink): Promise<void> {
  const query: ContainerQuery = { services: options.services, index: options.index };
  await withProjectScope(options, options.services, async (session, scope) => {
    const engine = session.engine;
    const now = Date.now();
    const since = options.since !== undefined ? parseTimeArg(options.since, now) : undefined;
    const until = options.until !== undefined ? parseTimeArg(options.until, now) : undefined;
    // Events first, so a container starting while we list is not missed (events are replayed from `now`).
    const follower = options.follow ? new Follower(engine, scope.name, query, onLine, options) : undefined;
    follower?.listen(now);
    try {
      const listed = await engine.listContainers({ all: true, labels: { [Label.project]: scope.name } });
      const containers = filterContainers(listed, query).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const sources = containers.map((c) => toSource(c, scope.name));
      for (const source of sources) options.onContainer?.(source);
      follower?.markShown(sources, now);
      const historyUntil = follower ? now : until;
      const timed = options.timestamps === true || sources.length > 1;
      const histories = sources.map((source) => containerLines(engine, source, {
        tail: options.tail, since, until: historyUntil, signal: options.signal, timestamps: timed,
      }));
      for await (const line of mergeByTime(histories)) {
        const pending = onLine(line);
        if (pending) await pending;
      }
      if (!follower) return;
      containers.forEach((c, i) => {
        if (c.state === 'running' || c.state === 'restarting') follower.follow(sources[i]!, Math.max(now, since ?? 0), until);
      });
      await follower.done();
    } finally {
      follower?.stop();
    }
  });
}

function toSource(container: Pick<ContainerSummary, 'id' | 'name' | 'labels'>, project: string): LogSource {
  return {
    id: container.id, name: container.name, displayName: shortName(container, project),
    service: serviceOf(container as ContainerSummary), number: numberOf(container as ContainerSummary),
  };
}

/** One container's lines, with timestamps from the engine; a container removed meanwhile has none. */
async function* containerLines(engine: Engine, source: LogSource,
  options: { tail?: number; since?: number; until?: number; follow?: boolean; signal?: AbortSignal; timestamps: boolean }):
  AsyncGenerator<LogLine> {
  const chunks = engine.containerLogs(source.id, {
    timestamps: options.timestamps,
    follow: options.follow,
    tail: options.tail,
    since: options.since !== undefined ? unixSecondsArg(options.since) : undefined,
    until: options.until !== undefined ? unixSecondsArg(options.until) : undefined,
    signal: options.signal,
  });
  try {
    yield* splitLines(chunks, source);
  } catch (error) {
    if (error instanceof NotFoundError || options.signal?.aborted) return;
    throw error;
  }
}

/** Streams of running containers, fed straight to the sink as lines arrive, plus the containers that start. */
class Follower {
  private readonly controller = new AbortController();
  private readonly active = new Set<string>();
  /** Containers seen in this run → the time of their last line, so a restart resumes after it. */
  private readonly lastTime = new Map<string, number>();
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (error: unknown) => void;
  private started = false;
  private failure: unknown;

  constructor(private readonly engine: Engine, private readonly project: string, private readonly query: ContainerQuery,
    private readonly onLine: LogSink, private readonly options: LogsOptions) {
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined);
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Watches for containers of the project that start. */
  listen(since: number): void {
    void (async () => {
      try {
        const events = this.engine.events({
          labels: { [Label.project]: this.project }, types: ['container'], since, signal: this.controller.signal,
        });
        for await (const event of events) this.onEvent(event);
      } catch (error) {
        if (!this.controller.signal.aborted) this.fail(error);
      }
    })();
  }

  /** The history of these containers is shown up to `time`: if one starts again, resume from there. */
  markShown(sources: LogSource[], time: number): void {
    for (const source of sources) this.lastTime.set(source.id, time);
  }

  follow(source: LogSource, since: number | undefined, until: number | undefined): void {
    if (this.active.has(source.id) || this.controller.signal.aborted) return;
    this.active.add(source.id);
    this.started = true;
    void (async () => {
      try {
        const lines = containerLines(this.engine, source, {
          follow: true, since, until, signal: this.controller.signal, timestamps: this.options.timestamps === true,
        });
        for await (const line of lines) {
          this.lastTime.set(source.id, line.time || Date.now());
          const pending = this.onLine(line);
          if (pending) await pending;
        }
      } catch (error) {
        if (!this.controller.signal.aborted) this.fail(error);
      } finally {
        this.active.delete(source.id);
        if (this.active.size === 0) this.resolveFinished();
      }
    })();
  }

  /** Resolves when no followed container is running any more (at once if none was). */
  done(): Promise<void> {
    if (!this.started) this.resolveFinished();
    return this.finished;
  }

  stop(): void {
    this.controller.abort();
    this.resolveFinished();
  }

  private onEvent(event: EngineEvent): void {
    if (event.action !== 'start') return;
    const labels = event.attributes;
    const summary = { id: event.id, name: labels.name ?? event.id.slice(0, 12), labels, state: 'running' } as ContainerSummary;
    if (filterContainers([summary], this.query).length === 0) return;
    const source = toSource(summary, this.project);
    const seen = this.lastTime.get(event.id);
    if (!this.active.has(event.id)) this.options.onContainer?.(source);
    // A restarted container resumes after its last line; a new one is shown from its beginning.
    this.follow(source, seen !== undefined ? seen + 1 : undefined, undefined);
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.controller.abort();
    this.rejectFinished(this.failure);
  }
}
