/**
 * Progress of an execution as typed events: one per step of one resource. Renderers (listr2, plain lines, JSON
 * lines) and API callers consume the same events; none of them needs to know about plans.
 */
import type { Operation, OperationKind } from './plan.js';

/** The kinds of resources progress events are about. */
export type ResourceKind = 'container' | 'network' | 'volume' | 'image' | 'service';

/** `working` when a step starts, then exactly one of `done`, `failed`, `skipped` (optional dependency), `warning`. */
export type EventState = 'working' | 'done' | 'failed' | 'skipped' | 'warning';

/** Progress of a plan being applied: one event per resource and state change, with its time and reason. */
export interface ExecutionEvent {
  /** `Container demo-web-1`, `Network demo_default`: what a progress line is about. */
  resource: string;
  resourceKind: ResourceKind;
  /** The engine-side name (container, network, volume name or image reference). */
  name: string;
  /** The plan operation (absent for events that are not one, e.g. "Running" for an untouched container). */
  operation?: number;
  action: OperationKind | 'Observe';
  state: EventState;
  /** Docker Compose's word for the state: Creating, Created, Starting, Started, Waiting, Healthy, Recreated, ... */
  text: string;
  /** ms since the epoch. */
  time: number;
  /** ms since this step started (on final states). */
  elapsedMs?: number;
  /** Why the operation exists (`config changed: ...`) or why it failed. */
  reason?: string;
  error?: string;
}

export type EventListener = (event: ExecutionEvent) => void;

/** The progress line an operation belongs to: recreate steps all show on the final container name. */
export function operationResource(op: Operation): { kind: ResourceKind; name: string } {
  switch (op.kind) {
    case 'CreateNetwork':
      return { kind: 'network', name: op.spec.name };
    case 'RemoveNetwork':
      return { kind: 'network', name: op.name };
    case 'CreateVolume':
      return { kind: 'volume', name: op.spec.name };
    case 'RemoveVolume':
      return { kind: 'volume', name: op.name };
    case 'PullImage':
    case 'BuildImage':
    case 'RemoveImage':
      return { kind: 'image', name: op.image };
    case 'CreateContainer':
      return { kind: 'container', name: op.name };
    case 'RenameContainer':
      return { kind: 'container', name: op.newName };
    case 'WaitCondition':
      return { kind: 'service', name: op.service };
    default:
      return { kind: 'container', name: op.container.name };
  }
}

export function resourceLabel(kind: ResourceKind, name: string): string {
  return `${kind[0]!.toUpperCase()}${kind.slice(1)} ${name}`;
}

/** The words Docker Compose prints while a step runs and once it is done. */
export function operationWords(op: Operation): { working: string; done: string } {
  const recreate = op.group?.startsWith('recreate') ?? false;
  switch (op.kind) {
    case 'CreateNetwork':
    case 'CreateVolume':
      return { working: 'Creating', done: 'Created' };
    case 'CreateContainer':
      return recreate || op.replaces ? { working: 'Recreate', done: 'Created' } : { working: 'Creating', done: 'Created' };
    case 'RemoveNetwork':
    case 'RemoveVolume':
    case 'RemoveImage':
    case 'RemoveContainer':
      return { working: 'Removing', done: 'Removed' };
    case 'PullImage':
      return { working: 'Pulling', done: 'Pulled' };
    case 'BuildImage':
      return { working: 'Building', done: 'Built' };
    case 'StartContainer':
      return { working: 'Starting', done: 'Started' };
    case 'StopContainer':
      return { working: 'Stopping', done: 'Stopped' };
    case 'RenameContainer':
      return recreate ? { working: 'Recreate', done: 'Recreated' } : { working: 'Renaming', done: 'Renamed' };
    case 'ConnectNetwork':
      return { working: 'Connecting', done: 'Connected' };
    case 'DisconnectNetwork':
      return { working: 'Disconnecting', done: 'Disconnected' };
    case 'WaitCondition':
      return { working: 'Waiting', done: 'Ready' };
  }
}

/** One progress line (a resource) and how many steps will finish on it, known before execution starts. */
export interface ProgressLine {
  resource: string;
  steps: number;
}

/** The progress lines of a plan in plan order: what a live renderer draws before the first event. */
export function planProgressLines(plan: import('./plan.js').Plan): ProgressLine[] {
  const lines = new Map<string, ProgressLine>();
  const add = (resource: string): void => {
    const line = lines.get(resource);
    if (line) line.steps++;
    else lines.set(resource, { resource, steps: 1 });
  };
  const waits = new Set<string>();
  for (const op of plan.operations) {
    if (op.kind === 'WaitCondition') {
      if (waits.has(waitKey(op))) continue; // the executor shares one wait between identical conditions
      waits.add(waitKey(op));
      for (const c of op.containers) add(resourceLabel('container', c.name));
      continue;
    }
    const { kind, name } = operationResource(op);
    add(resourceLabel(kind, name));
  }
  return [...lines.values()];
}

/** Identical waits (same condition on the same containers, e.g. two services depending on one database) are one. */
export function waitKey(op: import('./plan.js').WaitConditionOp): string {
  const targets = op.containers.map((c) => c.id ?? (c.createdBy !== undefined ? `#${c.createdBy}` : c.name)).sort();
  return `${op.condition}|${targets.join(',')}`;
}
