/**
 * How each plan operation is carried out on the engine. Each one is written to be safe to run again after an
 * interruption: "already gone" counts as removed, "already there and ours" counts as created, so that re-running
 * `up` after a kill at any point converges instead of failing on leftovers.
 */
import type { Engine } from '../engine/types.js';
import { ConflictError, NotFoundError } from '../engine/errors.js';
import { FlotillaError } from '../errors.js';
import { Label } from './labels.js';
import type { ContainerTarget, Operation, WaitConditionOp } from './plan.js';

/** Signals a step that did not fail but deserves a warning (e.g. a network still in use by another project). */
export class OperationWarning extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationWarning';
  }
}

export interface OperationContext {
  engine: Engine;
  project: string;
  /** Engine ids of containers created by CreateContainer operations of this run, by operation id. */
  created: Map<number, string>;
  /** Runs a WaitCondition (implemented by the executor: it owns timeouts, events and cancellation). */
  wait(op: WaitConditionOp): Promise<void>;
}

/** The engine id (or name) of a container target, once the operation that creates it has run. */
export function resolveTarget(target: ContainerTarget, created: Map<number, string>): string {
  if (target.id) return target.id;
  if (target.createdBy !== undefined) {
    const id = created.get(target.createdBy);
    if (id) return id;
  }
  return target.name;
}

export async function runOperation(op: Operation, ctx: OperationContext): Promise<void> {
  const { engine } = ctx;
  switch (op.kind) {
    case 'CreateNetwork':
      try {
        await engine.createNetwork(op.spec);
      } catch (error) {
        // a network of that name already exists (created by an interrupted run): use it, as Docker Compose does
        if (!(error instanceof ConflictError)) throw error;
      }
      await removeDuplicateNetworks(engine, op.spec.name);
      return;
    case 'RemoveNetwork':
      return ignoreMissing(engine.removeNetwork(op.name), (e) => {
        if (e instanceof ConflictError) throw new OperationWarning(`network ${op.name} is still in use`);
      });
    case 'CreateVolume':
      await engine.createVolume(op.spec);
      return;
    case 'RemoveVolume':
      return ignoreMissing(engine.removeVolume(op.name), (e) => {
        if (e instanceof ConflictError) throw new OperationWarning(`volume ${op.name} is still in use`);
      });
    case 'PullImage':
      await engine.pullImage(op.image, { platform: op.platform });
      return;
    case 'BuildImage':
      throw new FlotillaError(`service "${op.service}" needs an image built from ${op.build.context}: building images is not available yet`,
        { hint: `build it with docker build -t ${op.image} and run again` });
    case 'RemoveImage':
      return ignoreMissing(engine.removeImage(op.image), (e) => {
        if (e instanceof ConflictError) throw new OperationWarning(`image ${op.image} is still in use`);
      });
    case 'CreateContainer': {
      const id = await createContainer(op.spec, ctx, op.service);
      ctx.created.set(op.id, id);
      return;
    }
    case 'StartContainer':
      await engine.startContainer(resolveTarget(op.container, ctx.created));
      return;
    case 'StopContainer':
      return ignoreMissing(engine.stopContainer(resolveTarget(op.container, ctx.created), { timeoutSec: op.timeoutSec }));
    case 'RemoveContainer':
      return ignoreMissing(
        engine.removeContainer(resolveTarget(op.container, ctx.created), { force: op.force, volumes: op.removeVolumes }),
        (e) => {
          // "removal already in progress": someone (an interrupted run's request) is removing it already
          if (e instanceof ConflictError && /already in progress/i.test(e.message)) return 'ignore';
        },
      );
    case 'RenameContainer': {
      const id = resolveTarget(op.container, ctx.created);
      try {
        await engine.renameContainer(id, op.newName);
      } catch (error) {
        if (error instanceof ConflictError && (await nameBelongsTo(engine, op.newName, id))) return;
        throw error;
      }
      return;
    }
    case 'ConnectNetwork':
      try {
        await engine.connectNetwork(op.network, resolveTarget(op.container, ctx.created), op.options);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error; // already connected
      }
      return;
    case 'DisconnectNetwork':
      return ignoreMissing(engine.disconnectNetwork(op.network, resolveTarget(op.container, ctx.created), op.force));
    case 'WaitCondition':
      return ctx.wait(op);
  }
}

/**
 * Creates a container; a name clash with a container of this project and the same config (left by a run killed
 * while its create request was in flight) is that container, not an error.
 */
async function createContainer(spec: Parameters<Engine['createContainer']>[0], ctx: OperationContext, service: string): Promise<string> {
  try {
    return (await ctx.engine.createContainer(spec)).id;
  } catch (error) {
    if (error instanceof NotFoundError && error.kind === 'image') {
      throw new FlotillaError(`image ${spec.image} for service "${service}" is not available on the engine`, {
        hint: 'pull or build it first (or run up with --pull missing)', cause: error,
      });
    }
    if (!(error instanceof ConflictError)) throw error;
    const existing = await ctx.engine.inspectContainer(spec.name).catch(() => undefined);
    if (
      existing &&
      existing.labels[Label.project] === ctx.project &&
      existing.labels[Label.configHash] === spec.labels[Label.configHash] &&
      existing.labels[Label.containerNumber] === spec.labels[Label.containerNumber]
    ) {
      return existing.id;
    }
    throw new FlotillaError(`container name "${spec.name}" is already in use by another container`, {
      hint: 'remove or rename that container, or choose another project name', cause: error,
    });
  }
}

/**
 * Docker's duplicate-name check is not atomic: a create still in flight from a killed run and ours can both
 * succeed, and containers then fail with "network is ambiguous". Keep the oldest network of that name and remove
 * the other, empty ones (every racer picks the same survivor).
 */
async function removeDuplicateNetworks(engine: Engine, name: string): Promise<void> {
  const same = (await engine.listNetworks({ names: [name] })).filter((n) => n.name === name);
  if (same.length < 2) return;
  same.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  for (const extra of same.slice(1)) await engine.removeNetwork(extra.id).catch(() => undefined);
}

async function nameBelongsTo(engine: Engine, name: string, id: string): Promise<boolean> {
  const existing = await engine.inspectContainer(name).catch(() => undefined);
  return existing !== undefined && (existing.id === id || existing.id.startsWith(id));
}

/** Awaits `call`; "not found" is success. `onOther` may throw a warning or return 'ignore'; else the error stands. */
async function ignoreMissing(call: Promise<unknown>, onOther?: (error: unknown) => 'ignore' | void): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof NotFoundError) return;
    if (onOther?.(error) === 'ignore') return;
    throw error;
  }
}
