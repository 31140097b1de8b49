/**
 * The Plan: what must change on the engine, as a DAG of typed operations. The reconciler writes it (pure), the
 * executor runs it, the CLI prints it. Every operation names its resource, the operations it waits for and why it
 * exists, and carries all the data the executor needs, so that running a plan needs no compose model.
 *
 * Ids are 1-based and dependencies always point to smaller ids, so the list order is a valid topological order
 * and the printed plan reads top to bottom.
 */
import type { BuildConfig, DependencyCondition } from '../model/types.js';
import type { ConnectOptions, ContainerSpec, NetworkSpec, VolumeSpec } from '../engine/types.js';

/** `service:web:1`, `network:default`, `volume:data`, `image:nginx:1.27`, `container:demo-old-1` (orphans). */
export type ResourceId = string;

/**
 * A container an operation acts on. `createdBy` points to the CreateContainer operation that makes it in this same
 * plan (its id is known only once that ran); otherwise `id` is the engine id of an existing container. `name` is
 * the container's name at the time the operation runs (the temporary name before a rename).
 */
export interface ContainerTarget {
  name: string;
  id?: string;
  createdBy?: number;
}

interface OperationBase {
  id: number;
  resource: ResourceId;
  /** Ids of the operations that must complete first. */
  dependsOn: number[];
  /** Why: `missing`, `not running`, `config changed: environment.LOG_LEVEL "info" → "debug"`, `orphan`, ... */
  reason: string;
  /** Operations that form one logical step, e.g. `recreate:web:1` (create, stop, remove, rename). */
  group?: string;
}

export interface CreateNetworkOp extends OperationBase {
  kind: 'CreateNetwork';
  /** Compose key of the network. */
  key: string;
  spec: NetworkSpec;
}

export interface RemoveNetworkOp extends OperationBase {
  kind: 'RemoveNetwork';
  key?: string;
  /** Engine name (or id) of the network. */
  name: string;
}

export interface CreateVolumeOp extends OperationBase {
  kind: 'CreateVolume';
  key: string;
  spec: VolumeSpec;
}

export interface RemoveVolumeOp extends OperationBase {
  kind: 'RemoveVolume';
  key?: string;
  name: string;
}

export interface PullImageOp extends OperationBase {
  kind: 'PullImage';
  image: string;
  /** Services using the image (for progress lines). */
  services: string[];
  platform?: string;
}

export interface BuildImageOp extends OperationBase {
  kind: 'BuildImage';
  service: string;
  /** The tag the build produces (the service's `image`, or `<project>-<service>`). */
  image: string;
  build: BuildConfig;
  platform?: string;
}

export interface RemoveImageOp extends OperationBase {
  kind: 'RemoveImage';
  image: string;
}

export interface CreateContainerOp extends OperationBase {
  kind: 'CreateContainer';
  service: string;
  /** Replica number (container-number label). */
  number: number;
  /** The final name; `spec.name` differs (temporary) when this replaces `replaces`. */
  name: string;
  spec: ContainerSpec;
  /** The container this one replaces (stopped, removed, then this one renamed to `name`). */
  replaces?: { id: string; name: string };
}

export interface StartContainerOp extends OperationBase {
  kind: 'StartContainer';
  service: string;
  container: ContainerTarget;
}

export interface StopContainerOp extends OperationBase {
  kind: 'StopContainer';
  service: string;
  container: ContainerTarget;
  /** Seconds before SIGKILL; absent: the container's own stop timeout. */
  timeoutSec?: number;
}

export interface RemoveContainerOp extends OperationBase {
  kind: 'RemoveContainer';
  service: string;
  container: ContainerTarget;
  /** Remove the anonymous volumes with it. */
  removeVolumes: boolean;
  /** Kill first if running (used when no stop precedes). */
  force: boolean;
}

export interface RenameContainerOp extends OperationBase {
  kind: 'RenameContainer';
  service: string;
  container: ContainerTarget;
  newName: string;
}

export interface ConnectNetworkOp extends OperationBase {
  kind: 'ConnectNetwork';
  service: string;
  container: ContainerTarget;
  /** Engine name of the network. */
  network: string;
  options: ConnectOptions;
}

export interface DisconnectNetworkOp extends OperationBase {
  kind: 'DisconnectNetwork';
  service: string;
  container: ContainerTarget;
  network: string;
  force: boolean;
}

/** `running_or_healthy` is the condition of `up --wait`: healthy when a healthcheck exists, else running. */
export type WaitConditionKind = DependencyCondition | 'running_or_healthy';

export interface WaitConditionOp extends OperationBase {
  kind: 'WaitCondition';
  /** The service waited for. */
  service: string;
  condition: WaitConditionKind;
  /** A failure of an optional dependency is a warning, not an error. */
  required: boolean;
  /** The service that waits (absent for `up --wait`). */
  dependent?: string;
  /** The replicas to watch. */
  containers: ContainerTarget[];
}

/** One step of a plan: its id, the resource it acts on, the ids it waits for, and its reason. */
export type Operation =
  | CreateNetworkOp
  | RemoveNetworkOp
  | CreateVolumeOp
  | RemoveVolumeOp
  | PullImageOp
  | BuildImageOp
  | RemoveImageOp
  | CreateContainerOp
  | StartContainerOp
  | StopContainerOp
  | RemoveContainerOp
  | RenameContainerOp
  | ConnectNetworkOp
  | DisconnectNetworkOp
  | WaitConditionOp;

/** The kinds of plan operations. */
export type OperationKind = Operation['kind'];

/** What must change, and why: the operations in a valid run order, with warnings (orphans, reused resources). */
export interface Plan {
  project: string;
  /** In id order; ids are 1..n. */
  operations: Operation[];
  /** Things the user should know that change nothing, e.g. orphan containers left in place. */
  warnings: string[];
}

/** An operation before it has an id. */
export type NewOperation = WithoutId<Operation>;
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Accumulates operations with sequential ids. */
export class PlanBuilder {
  private readonly operations: Operation[] = [];
  private readonly warnings: string[] = [];

  constructor(private readonly project: string) {}

  add(op: NewOperation): number {
    const id = this.operations.length + 1;
    const dependsOn = [...new Set(op.dependsOn)].filter((d) => d > 0 && d < id).sort((a, b) => a - b);
    this.operations.push({ ...op, id, dependsOn } as Operation);
    return id;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  get(id: number): Operation | undefined {
    return this.operations[id - 1];
  }

  /** Whether `ancestor` runs before `id` through its dependencies (directly or not). */
  precedes(ancestor: number, id: number): boolean {
    const seen = new Set<number>();
    const stack = [id];
    while (stack.length > 0) {
      for (const dep of this.get(stack.pop()!)?.dependsOn ?? []) {
        if (dep === ancestor) return true;
        if (!seen.has(dep)) {
          seen.add(dep);
          stack.push(dep);
        }
      }
    }
    return false;
  }

  /** The operations written so far that match. */
  filter(predicate: (op: Operation) => boolean): Operation[] {
    return this.operations.filter(predicate);
  }

  build(): Plan {
    return { project: this.project, operations: [...this.operations], warnings: [...this.warnings] };
  }
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.operations.length === 0;
}

// ---------------------------------------------------------------------------------------------- rendering

/** What an operation does, in words: `create container demo-web-1`. */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'CreateNetwork':
      return `create network ${op.spec.name}`;
    case 'RemoveNetwork':
      return `remove network ${op.name}`;
    case 'CreateVolume':
      return `create volume ${op.spec.name}`;
    case 'RemoveVolume':
      return `remove volume ${op.name}`;
    case 'PullImage':
      return `pull image ${op.image}`;
    case 'BuildImage':
      return `build image ${op.image}`;
    case 'RemoveImage':
      return `remove image ${op.image}`;
    case 'CreateContainer':
      return op.spec.name === op.name
        ? `create container ${op.name}`
        : `create container ${op.name} as ${op.spec.name}`;
    case 'StartContainer':
      return `start container ${op.container.name}`;
    case 'StopContainer':
      return `stop container ${op.container.name}`;
    case 'RemoveContainer':
      return `remove container ${op.container.name}`;
    case 'RenameContainer':
      return `rename container ${op.container.name} → ${op.newName}`;
    case 'ConnectNetwork':
      return `connect container ${op.container.name} to network ${op.network}`;
    case 'DisconnectNetwork':
      return `disconnect container ${op.container.name} from network ${op.network}`;
    case 'WaitCondition':
      return `wait for ${op.service} ${conditionWords(op.condition)}${op.required ? '' : ' (optional)'}`;
  }
}

function conditionWords(condition: WaitConditionKind): string {
  switch (condition) {
    case 'service_started':
      return 'started';
    case 'service_healthy':
      return 'healthy';
    case 'service_completed_successfully':
      return 'completed successfully';
    case 'running_or_healthy':
      return 'running or healthy';
  }
}

/** `#4 rename container 1a2b3c4d5e6f_demo-web-1 → demo-web-1 (after #3): finalize recreate` */
export function renderOperation(op: Operation): string {
  const after = op.dependsOn.length > 0 ? ` (after ${op.dependsOn.map((d) => `#${d}`).join(' ')})` : '';
  return `#${op.id} ${describeOperation(op)}${after}: ${op.reason}`;
}

/** One line per operation in id order, then warnings; `nothing to do` for an empty plan. */
export function renderPlanText(plan: Plan): string {
  const lines = plan.operations.map(renderOperation);
  if (lines.length === 0) lines.push('nothing to do');
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

/** The plan as plain JSON (operations with every field), stable key order. */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(sortKeysDeep(plan), null, 2);
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}
