/** A small in-memory engine for executor tests: containers only, with hooks to delay or fail calls. */
import type { ContainerDetails, ContainerSpec, Engine } from '../../../src/engine/types.js';
import { ConflictError, NotFoundError } from '../../../src/engine/errors.js';

export interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerDetails['state'];
  exitCode: number;
  health?: ContainerDetails['health'];
  startedAt?: number;
}

export class FakeEngine {
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  networks: { id: string; name: string; created: number }[] = [];
  active = 0;
  maxActive = 0;
  private nextId = 1;
  /** Delay per method in ms. */
  delays: Record<string, number> = {};
  /** Fails the call when it returns an error. */
  failWith?: (method: string, arg: string) => Error | undefined;
  /** Called after a container starts (to script health or exits). */
  onStart?: (c: FakeContainer) => void;

  private async call<T>(method: string, arg: string, body: () => T): Promise<T> {
    this.calls.push(`${method} ${arg}`);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise((r) => setTimeout(r, this.delays[method] ?? 1));
      const error = this.failWith?.(method, arg);
      if (error) throw error;
      return body();
    } finally {
      this.active--;
    }
  }

  private find(ref: string): FakeContainer {
    const c = this.containers.get(ref) ?? [...this.containers.values()].find((x) => x.name === ref);
    if (!c) throw new NotFoundError('container', ref);
    return c;
  }

  add(name: string, state: FakeContainer['state'] = 'running', labels: Record<string, string> = {}): FakeContainer {
    const c: FakeContainer = { id: `id${this.nextId++}`, name, labels, state, exitCode: 0 };
    this.containers.set(c.id, c);
    return c;
  }

  asEngine(): Engine {
    const impl: Partial<Engine> = {
      kind: 'docker',
      createContainer: (spec: ContainerSpec) =>
        this.call('createContainer', spec.name, () => {
          if ([...this.containers.values()].some((c) => c.name === spec.name)) {
            throw new ConflictError(`name ${spec.name} in use`, 'container', spec.name);
          }
          const c = this.add(spec.name, 'created', spec.labels);
          return { id: c.id, warnings: [] };
        }),
      startContainer: (id: string) =>
        this.call('startContainer', id, () => {
          const c = this.find(id);
          c.state = 'running';
          c.startedAt = Date.now();
          this.onStart?.(c);
        }),
      stopContainer: (id: string) => this.call('stopContainer', id, () => void (this.find(id).state = 'exited')),
      removeContainer: (id: string) => this.call('removeContainer', id, () => void this.containers.delete(this.find(id).id)),
      renameContainer: (id: string, name: string) => this.call('renameContainer', id, () => void (this.find(id).name = name)),
      inspectContainer: (id: string) =>
        this.call('inspectContainer', id, () => {
          const c = this.find(id);
          return { id: c.id, name: c.name, labels: c.labels, state: c.state, exitCode: c.exitCode, health: c.health } as ContainerDetails;
        }),
      createNetwork: (spec) => this.call('createNetwork', spec.name, () => {
        const network = { id: `net${this.nextId++}`, name: spec.name, created: Date.now() };
        this.networks.push(network);
        return { id: network.id };
      }),
      listNetworks: () => this.call('listNetworks', '', () => this.networks.map((n) => ({
        id: n.id, name: n.name, created: n.created, driver: 'bridge', scope: 'local', internal: false, labels: {},
      }))),
      removeNetwork: (id: string) => this.call('removeNetwork', id, () => {
        this.networks = this.networks.filter((n) => n.id !== id);
      }),
    };
    return new Proxy(impl as Engine, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (value === undefined && typeof prop === 'string') {
          return () => Promise.reject(new Error(`fake engine: ${prop} not implemented`));
        }
        return value;
      },
    });
  }
}
