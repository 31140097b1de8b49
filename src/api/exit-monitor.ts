/**
 * Which of the watched containers of an attached `up` are still running, and how each one ended, from the engine's
 * events. Events are listened to before the plan runs (a one-shot container may start and exit during it) and held
 * back until `arm`, which starts counting from what runs once the plan is done.
 *
 * Not every `die` is an exit: a container restarted by its restart policy dies and runs again, and the old
 * container of a recreate (by this `up` or another process) dies after its replacement was created with the
 * `com.docker.compose.replace` label: the replacement takes its place once it starts.
 */
import { NotFoundError } from '../engine/errors.js';
import type { ContainerSummary, Engine, EngineEvent } from '../engine/types.js';
import { Label } from '../reconcile/labels.js';
import { numberOf, serviceOf, shortName } from './project-containers.js';

/** The compose label a replacement carries: the name of the container it replaces. */
const REPLACE_LABEL = 'com.docker.compose.replace';

/** A watched container that stopped for good. */
export interface ContainerExit {
  id: string;
  name: string;
  /** `web-1`: the name without the project prefix. */
  displayName: string;
  service: string;
  number: number;
  exitCode: number;
}

export class ExitMonitor {
  private readonly controller = new AbortController();
  private readonly running = new Set<string>();
  /** Replacements created but not started yet: the service is not over while one is pending. */
  private readonly pending = new Set<string>();
  /** Name of a container → the replacement created for it. */
  private readonly replacements = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private held: EngineEvent[] | undefined = [];
  private queue: Promise<void> = Promise.resolve();
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;
  private readonly finished: Promise<void>;
  private startListeners: Array<() => void> = [];

  constructor(private readonly engine: Engine, private readonly project: string, private readonly services: ReadonlySet<string>,
    private readonly onExit: (exit: ContainerExit) => void) {
    this.finished = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.finished.catch(() => undefined);
  }

  /** Starts listening (events from `since` on, ms) and holds them until `arm`. */
  listen(since: number): void {
    void (async () => {
      try {
        const events = this.engine.events({
          labels: { [Label.project]: this.project }, types: ['container'], since, signal: this.controller.signal,
        });
        for await (const event of events) {
          if (this.held) this.held.push(event);
          else this.enqueue(event);
        }
      } catch (error) {
        if (!this.controller.signal.aborted) this.rejectDone(error);
      }
    })();
  }

  /**
   * Starts counting: the watched containers running now, and those that started during the plan (their exit, if it
   * came already, is in the held events and reported at once).
   */
  arm(containers: ContainerSummary[]): void {
    const held = this.held ?? [];
    this.held = undefined;
    const startedMeanwhile = new Set(held.filter((e) => e.action === 'start').map((e) => e.id));
    for (const c of containers) {
      if (!this.watches(c.labels)) continue;
      this.names.set(c.id, c.name);
      if (c.state === 'running' || c.state === 'restarting' || startedMeanwhile.has(c.id)) this.running.add(c.id);
    }
    for (const event of held) this.enqueue(event);
    this.enqueue(undefined);
  }

  /** Resolves when no watched container runs any more (or is about to: pending replacements count). */
  done(): Promise<void> {
    return this.finished;
  }

  /** Resolves at the next start of a watched container (to resume following logs). */
  nextStart(): Promise<void> {
    return new Promise((resolve) => this.startListeners.push(resolve));
  }

  close(): void {
    this.controller.abort();
    this.resolveDone();
  }

  /** Events are handled one at a time, in order, even though handling a `die` asks the engine. */
  private enqueue(event: EngineEvent | undefined): void {
    this.queue = this.queue.then(() => (event ? this.handle(event) : this.checkDone())).catch((error) => this.rejectDone(error));
  }

  private watches(labels: Record<string, string>): boolean {
    return labels[Label.oneoff] !== 'True' && this.services.has(labels[Label.service] ?? '');
  }

  private async handle(event: EngineEvent): Promise<void> {
    const attributes = event.attributes;
    if (attributes.name) this.names.set(event.id, attributes.name);
    switch (event.action) {
      case 'create':
        if (this.watches(attributes) && attributes[REPLACE_LABEL]) this.replacements.set(attributes[REPLACE_LABEL], event.id);
        return;
      case 'start':
        if (!this.watches(attributes)) return;
        this.pending.delete(event.id);
        this.running.add(event.id);
        for (const listener of this.startListeners.splice(0)) listener();
        return;
      case 'destroy':
        if (this.pending.delete(event.id)) this.checkDone();
        return;
      case 'die':
        if (this.running.has(event.id)) await this.died(event);
        return;
    }
  }

  private async died(event: EngineEvent): Promise<void> {
    let exitCode = Number(event.attributes.exitCode ?? 0);
    try {
      const details = await this.engine.inspectContainer(event.id);
      // the restart policy brings it back: not an exit
      if (details.state === 'running' || details.state === 'restarting') return;
      exitCode = details.exitCode;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    this.running.delete(event.id);
    const name = this.names.get(event.id) ?? event.id.slice(0, 12);
    const replacement = this.replacements.get(name);
    if (replacement !== undefined) {
      this.replacements.delete(name);
      if (!this.running.has(replacement)) this.pending.add(replacement);
    } else {
      const summary = { name, labels: event.attributes } as Pick<ContainerSummary, 'name' | 'labels'> as ContainerSummary;
      this.onExit({ id: event.id, name, displayName: shortName(summary, this.project), service: serviceOf(summary),
        number: numberOf(summary), exitCode });
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (this.held === undefined && this.running.size === 0 && this.pending.size === 0) this.resolveDone();
  }
}
