/**
 * Runs a Plan against an Engine: every operation whose dependencies are done starts at once, all engine calls
 * share one concurrency limit, and the first failure (or an abort, e.g. Ctrl-C) stops the scheduling of new
 * operations while the calls already sent finish, so the engine is never left with a request we forgot about.
 * The result says which operations ran, failed and never started. Operations are idempotent (./operations.ts),
 * so running the same `up` again after any interruption converges.
 */
import type { Engine } from '../engine/types.js';
import { ExitCode, FlotillaError } from '../errors.js';
import { type EventListener, type ExecutionEvent, operationResource, operationWords, resourceLabel, waitKey } from './events.js';
import { createLimiter, limitEngine, type Limiter } from './limiter.js';
import { type OperationContext, OperationWarning, resolveTarget, runOperation } from './operations.js';
import type { Operation, Plan, WaitConditionOp } from './plan.js';
import { DependencyFailedError, waitForCondition } from './waits.js';

export interface ExecuteOptions {
  /** Aborting stops scheduling; calls in flight finish; waits end at once. */
  signal?: AbortSignal;
  /** Shared limit for every engine call (default: unlimited, or `parallel`). */
  limiter?: Limiter;
  parallel?: number;
  onEvent?: EventListener;
  /** Bound on all WaitCondition operations together, from the start of the execution (`--wait-timeout`). */
  waitTimeoutMs?: number;
  /** Poll interval of waits (tests). */
  pollMs?: number;
}

/** An operation that failed, with the error the engine gave. */
export interface OperationFailure {
  operation: number;
  error: Error;
}

/** What applying a plan did: the operations done, the one that failed, and those not run. */
export interface ExecutionResult {
  /** Operations that completed (including optional waits that only warned). */
  completed: number[];
  failed: OperationFailure[];
  /** Operations never started because of a failure or an interruption. */
  notRun: number[];
  warnings: string[];
  interrupted: boolean;
  /** Engine ids of the containers this execution created, by CreateContainer operation id. */
  createdContainers: Map<number, string>;
  durationMs: number;
}

/** The execution stopped early. `result` says what was done; the exit code is the first failure's (or 130). */
export class ExecutionError extends FlotillaError {
  constructor(message: string, readonly result: ExecutionResult, options: { exitCode: number; cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutionError';
  }
}

/** Runs the plan; resolves with the result when everything succeeded, else throws ExecutionError. */
export async function executePlan(engine: Engine, plan: Plan, options: ExecuteOptions = {}): Promise<ExecutionResult> {
  const result = await runPlan(engine, plan, options);
  if (result.failed.length === 0 && !result.interrupted) return result;
  const first = result.failed[0]?.error;
  const summary = `${result.completed.length} of ${plan.operations.length} operations done`;
  if (first) {
    const exitCode = first instanceof FlotillaError ? first.exitCode : ExitCode.Failure;
    throw new ExecutionError(first.message, result, { exitCode, cause: first });
  }
  throw new ExecutionError(`interrupted: ${summary}`, result, { exitCode: ExitCode.Interrupted });
}

/** Runs the plan and always resolves with what happened. */
export async function runPlan(engine: Engine, plan: Plan, options: ExecuteOptions = {}): Promise<ExecutionResult> {
  const startedAt = Date.now();
  const limiter = options.limiter ?? createLimiter(options.parallel);
  const limited = limitEngine(engine, limiter);
  const emit = options.onEvent ?? (() => {});
  // ends waits when we stop early; engine calls are never aborted (they must finish to know the state)
  const stopWaits = new AbortController();
  const waitDeadline = options.waitTimeoutMs !== undefined ? startedAt + options.waitTimeoutMs : undefined;

  const result: ExecutionResult = {
    completed: [], failed: [], notRun: [], warnings: [...plan.warnings], interrupted: false,
    createdContainers: new Map(), durationMs: 0,
  };
  const sharedWaits = new Map<string, Promise<void>>();
  const ctx: OperationContext = {
    engine: limited,
    project: plan.project,
    created: result.createdContainers,
    wait: (op) => runWait(limited, op, ctx, {
      emit, signal: stopWaits.signal, deadline: waitDeadline, timeoutMs: options.waitTimeoutMs, pollMs: options.pollMs, sharedWaits,
    }),
  };

  const byId = new Map(plan.operations.map((op) => [op.id, op]));
  const waitingOn = new Map<number, number>(); // op id → dependencies not yet completed
  const dependents = new Map<number, number[]>();
  for (const op of plan.operations) {
    const deps = op.dependsOn.filter((d) => byId.has(d));
    waitingOn.set(op.id, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), op.id]);
  }
  const ready = plan.operations.filter((op) => waitingOn.get(op.id) === 0).map((op) => op.id);
  const started = new Set<number>();
  let stopping = false;
  let inFlight = 0;

  return new Promise<ExecutionResult>((resolve) => {
    const onAbort = (): void => {
      if (stopping) return;
      result.interrupted = true;
      stop();
    };
    const stop = (): void => {
      stopping = true;
      stopWaits.abort(new Error('stopped'));
    };
    const finishIfIdle = (): void => {
      if (inFlight > 0 || (!stopping && ready.length > 0)) return;
      options.signal?.removeEventListener('abort', onAbort);
      result.notRun = plan.operations.filter((op) => !started.has(op.id)).map((op) => op.id);
      result.durationMs = Date.now() - startedAt;
      resolve(result);
    };
    const schedule = (): void => {
      while (!stopping && ready.length > 0) {
        const id = ready.shift()!;
        started.add(id);
        inFlight++;
        void runOne(byId.get(id)!).then(() => {
          inFlight--;
          schedule();
        });
      }
      finishIfIdle();
    };
    const runOne = async (op: Operation): Promise<void> => {
      const outcome = await runStep(op, ctx, emit);
      if (outcome.warning) result.warnings.push(outcome.warning);
      if (outcome.error) {
        // an interruption surfaces in waits as an abort: that is not the operation's failure
        if (!(stopping && result.interrupted)) result.failed.push({ operation: op.id, error: outcome.error });
        stop();
        return;
      }
      result.completed.push(op.id);
      for (const next of dependents.get(op.id) ?? []) {
        const left = waitingOn.get(next)! - 1;
        waitingOn.set(next, left);
        if (left === 0) ready.push(next);
      }
    };

    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    schedule();
  });
}

interface StepOutcome {
  error?: Error;
  warning?: string;
}

/** Runs one operation with its progress events. Never throws. */
async function runStep(op: Operation, ctx: OperationContext, emit: EventListener): Promise<StepOutcome> {
  const started = Date.now();
  const { kind, name } = operationResource(op);
  const words = operationWords(op);
  const base = { resource: resourceLabel(kind, name), resourceKind: kind, name, operation: op.id, action: op.kind };
  const quiet = op.kind === 'WaitCondition'; // waits report per container themselves
  if (!quiet) emit({ ...base, state: 'working', text: words.working, time: started, reason: op.reason });
  try {
    await runOperation(op, ctx);
    const now = Date.now();
    if (!quiet) emit({ ...base, state: 'done', text: words.done, time: now, elapsedMs: now - started, reason: op.reason });
    return {};
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    const now = Date.now();
    const event: ExecutionEvent = { ...base, state: 'failed', text: 'Error', time: now, elapsedMs: now - started, error: error.message };
    if (error instanceof OperationWarning) {
      emit({ ...event, state: 'warning', text: 'Warning' });
      return { warning: error.message };
    }
    if (error instanceof SkippedDependency) return { warning: error.message };
    if (!quiet) emit(event);
    return { error };
  }
}

/** An optional dependency failed: a warning and a "Skipped" line, and the dependent starts anyway. */
class SkippedDependency extends Error {}

async function runWait(
  engine: Engine,
  op: WaitConditionOp,
  ctx: OperationContext,
  settings: {
    emit: EventListener; signal: AbortSignal; deadline?: number; timeoutMs?: number; pollMs?: number;
    /** One poll per distinct condition: later identical waits join the first one and report nothing themselves. */
    sharedWaits: Map<string, Promise<void>>;
  },
): Promise<void> {
  const started = Date.now();
  const containers = op.containers.map((c) => ({ id: resolveTarget(c, ctx.created), name: c.name }));
  const event = (name: string, fields: Pick<ExecutionEvent, 'state' | 'text'> & Partial<ExecutionEvent>): void => {
    const now = Date.now();
    settings.emit({
      resource: resourceLabel('container', name), resourceKind: 'container', name, operation: op.id,
      action: 'WaitCondition', time: now, elapsedMs: fields.state === 'working' ? undefined : now - started,
      reason: op.reason, ...fields,
    });
  };
  const key = waitKey(op);
  const joined = settings.sharedWaits.get(key);
  const fail = (message: string, exitCode?: number): never => {
    if (!op.required) {
      const warning = `optional dependency "${op.service}" of "${op.dependent ?? '?'}": ${message}`;
      if (!joined) for (const c of containers) event(c.name, { state: 'skipped', text: 'Skipped', error: message });
      throw new SkippedDependency(warning);
    }
    if (!joined) for (const c of containers) event(c.name, { state: 'failed', text: 'Error', error: message });
    throw new DependencyFailedError(message, op.service, { exitCode });
  };

  if (containers.length === 0) {
    if (op.dependent === undefined) return;
    fail(`${op.dependent} is missing dependency ${op.service}`);
  }
  const controllers = [settings.signal];
  if (settings.deadline !== undefined) controllers.push(AbortSignal.timeout(Math.max(0, settings.deadline - started)));
  const signal = AbortSignal.any(controllers);
  try {
    if (joined) {
      await joined;
      return;
    }
    for (const c of containers) event(c.name, { state: 'working', text: 'Waiting' });
    const waiting = waitForCondition(engine, { service: op.service, condition: op.condition, containers, dependent: op.dependent }, {
      signal,
      pollMs: settings.pollMs,
      onContainerReady: (c, state) => event(c.name, { state: 'done', text: state }),
    });
    settings.sharedWaits.set(key, waiting);
    await waiting;
  } catch (error) {
    if (error instanceof DependencyFailedError) fail(error.message, error.exitCode);
    if (signal.aborted && !settings.signal.aborted && settings.deadline !== undefined) {
      const seconds = Math.round((settings.timeoutMs ?? 0) / 1000);
      fail(op.dependent === undefined ? `application not healthy after ${seconds}s` : 'timeout waiting for dependencies');
    }
    throw error;
  }
}
