/**
 * Plans for `down`, `stop`, `start`, `restart` and `rm`: pure functions over the same observed state as `up`. They
 * work with the loaded project or, without a compose file (`-p name`), from the containers' labels alone:
 * services come from the service label and dependencies from the depends_on label.
 */
import type { ContainerSummary } from '../engine/types.js';
import type { Project } from '../model/types.js';
import { ReconcileError } from './errors.js';
import { Label, parseDependsOnLabel } from './labels.js';
import { serviceImageName } from './names.js';
import type { ObservedState } from './observe.js';
import { dependencyOrder, reverseDependencyOrder, withDependents, type DependencyGraph } from './order.js';
import { PlanBuilder, type ContainerTarget, type Plan, type WaitConditionKind } from './plan.js';
import { findOrphans } from './reconcile.js';

export interface DownOptions {
  services?: string[];
  /** Remove named volumes of the project and anonymous volumes of its containers (`-v`). */
  volumes?: boolean;
  /** Remove images: `local` only those built without an `image:` name, `all` every service image. */
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  timeoutSec?: number;
}

export interface StopOptions {
  services?: string[];
  timeoutSec?: number;
}

export interface StartOptions {
  services?: string[];
}

export interface RestartOptions {
  services?: string[];
  /** Do not also restart services that declared `restart: true` on a restarted one. */
  noDeps?: boolean;
  timeoutSec?: number;
}

export interface RemoveOptions {
  services?: string[];
  /** Stop running containers first (`rm -s`); otherwise running ones are left alone. */
  stop?: boolean;
  /** Remove their anonymous volumes (`rm -v`). */
  volumes?: boolean;
  timeoutSec?: number;
}

type Dependencies = Record<string, Record<string, { condition: string; restart: boolean; required: boolean }>>;

/** Dependencies by service, from the project when there is one, else from the containers' labels. */
function dependencies(project: Project | undefined, observed: ObservedState): Dependencies {
  const deps: Dependencies = {};
  if (project) {
    for (const [name, service] of Object.entries(project.services)) deps[name] = { ...(service.depends_on ?? {}) };
    return deps;
  }
  for (const c of serviceContainers(observed)) {
    const name = c.labels[Label.service]!;
    if (deps[name]) continue;
    deps[name] = Object.fromEntries(Object.entries(parseDependsOnLabel(c.labels[Label.dependsOn]))
      .map(([dep, d]) => [dep, { ...d, required: true }]));
  }
  return deps;
}

function graphOf(deps: Dependencies): DependencyGraph {
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, Object.keys(d).filter((k) => k in deps).sort()]));
}

function serviceContainers(observed: ObservedState): ContainerSummary[] {
  return observed.containers.filter((c) => c.labels[Label.oneoff] !== 'True' && c.labels[Label.service] !== undefined);
}

function selectServices(deps: Dependencies, services: string[] | undefined, project: Project | undefined): string[] {
  if (!services || services.length === 0) return Object.keys(deps);
  // Without a file a name the labels do not know is ignored; with one it is an error (as the reference does).
  const unknown = services.filter((s) => !(s in deps));
  if (project && unknown.length > 0) throw new ReconcileError(unknown.map((s) => `no such service: ${s}`));
  return services.filter((s) => s in deps);
}

function byNumber(a: ContainerSummary, b: ContainerSummary): number {
  return Number(a.labels[Label.containerNumber] ?? 0) - Number(b.labels[Label.containerNumber] ?? 0) || (a.name < b.name ? -1 : 1);
}

function containersOf(observed: ObservedState, service: string): ContainerSummary[] {
  return serviceContainers(observed).filter((c) => c.labels[Label.service] === service).sort(byNumber);
}

function resourceOf(c: ContainerSummary): string {
  return `service:${c.labels[Label.service]}:${c.labels[Label.containerNumber] ?? c.name}`;
}

function isRunning(c: ContainerSummary): boolean {
  return c.state === 'running' || c.state === 'restarting' || c.state === 'paused';
}

function timeout(options: { timeoutSec?: number }): { timeoutSec?: number } {
  return options.timeoutSec !== undefined ? { timeoutSec: options.timeoutSec } : {};
}

/**
 * Stops then removes in reverse dependency order (a service stops once its dependents stopped), then removes
 * networks, volumes (`-v`) and images (`--rmi`) of the project once no container is left. External ones never.
 */
export function planDown(project: Project | undefined, observed: ObservedState, options: DownOptions = {}): Plan {
  const builder = new PlanBuilder(observed.project);
  const deps = dependencies(project, observed);
  const graph = graphOf(deps);
  const whole = !options.services || options.services.length === 0;
  const selected = withDependents(graph, selectServices(deps, options.services, project));
  const stopsOf: Record<string, number[]> = {};
  const removes: number[] = [];
  for (const name of reverseDependencyOrder(graph)) {
    if (!selected.has(name)) continue;
    const after = Object.keys(graph).filter((other) => graph[other]!.includes(name)).flatMap((other) => stopsOf[other] ?? []);
    const stops: number[] = [];
    for (const c of containersOf(observed, name)) {
      const target = { id: c.id, name: c.name };
      const stop = builder.add({ kind: 'StopContainer', resource: resourceOf(c), dependsOn: after, reason: 'down', service: name,
        container: target, ...timeout(options) });
      stops.push(stop);
      removes.push(builder.add({ kind: 'RemoveContainer', resource: resourceOf(c), dependsOn: [stop], reason: 'down', service: name,
        container: target, removeVolumes: options.volumes ?? false, force: false }));
    }
    // A service with nothing to stop passes its dependents' stops on, so ordering holds transitively.
    stopsOf[name] = stops.length > 0 ? stops : after;
  }
  const orphans = project ? findOrphans(project, observed.containers) : [];
  const oneOffs = observed.containers.filter((c) => c.labels[Label.oneoff] === 'True' && !orphans.includes(c));
  if (options.removeOrphans) {
    for (const c of [...orphans, ...oneOffs]) {
      const target = { id: c.id, name: c.name };
      const stop = builder.add({ kind: 'StopContainer', resource: `container:${c.name}`, dependsOn: [], reason: 'orphan',
        service: c.labels[Label.service] ?? '', container: target, ...timeout(options) });
      removes.push(builder.add({ kind: 'RemoveContainer', resource: `container:${c.name}`, dependsOn: [stop], reason: 'orphan',
        service: c.labels[Label.service] ?? '', container: target, removeVolumes: options.volumes ?? false, force: false }));
    }
  } else if (orphans.length > 0) {
    builder.warn(`Found orphan containers (${orphans.map((c) => c.name).join(', ')}) for this project. If you removed or `
      + `renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }
  if (!whole) return builder.build();

  const externalNetworks = new Set(Object.values(project?.networks ?? {}).filter((n) => n.external).map((n) => n.name));
  for (const n of observed.networks) {
    if (n.labels[Label.project] !== observed.project || externalNetworks.has(n.name)) continue;
    builder.add({ kind: 'RemoveNetwork', resource: `network:${n.labels[Label.network] ?? n.name}`, dependsOn: removes, reason: 'down',
      ...(n.labels[Label.network] ? { key: n.labels[Label.network] } : {}), name: n.name });
  }
  if (options.volumes) {
    const externalVolumes = new Set(Object.values(project?.volumes ?? {}).filter((v) => v.external).map((v) => v.name));
    for (const v of observed.volumes) {
      if (v.labels[Label.project] !== observed.project || externalVolumes.has(v.name)) continue;
      builder.add({ kind: 'RemoveVolume', resource: `volume:${v.labels[Label.volume] ?? v.name}`, dependsOn: removes,
        reason: 'down --volumes', ...(v.labels[Label.volume] ? { key: v.labels[Label.volume] } : {}), name: v.name });
    }
  }
  if (options.rmi) {
    for (const image of imagesToRemove(project, observed, options.rmi)) {
      builder.add({ kind: 'RemoveImage', resource: `image:${image}`, dependsOn: removes, reason: `down --rmi ${options.rmi}`, image });
    }
  }
  return builder.build();
}

/** `local`: images named after the project (built without `image:`); `all`: every service image. Sorted. */
function imagesToRemove(project: Project | undefined, observed: ObservedState, rmi: 'local' | 'all'): string[] {
  const images = new Set<string>();
  if (project) {
    for (const service of Object.values(project.services)) {
      if (rmi === 'all' || !service.image) images.add(serviceImageName(project, service));
    }
  } else {
    for (const c of serviceContainers(observed)) {
      const local = c.image === `${observed.project}-${c.labels[Label.service]}`;
      if (rmi === 'all' || local) images.add(c.image);
    }
  }
  return [...images].sort();
}

/** Stops running containers, dependents before their dependencies. */
export function planStop(project: Project | undefined, observed: ObservedState, options: StopOptions = {}): Plan {
  const builder = new PlanBuilder(observed.project);
  const deps = dependencies(project, observed);
  const graph = graphOf(deps);
  const selected = new Set(selectServices(deps, options.services, project));
  const stopsOf: Record<string, number[]> = {};
  for (const name of reverseDependencyOrder(graph)) {
    if (!selected.has(name)) continue;
    const after = Object.keys(graph).filter((other) => graph[other]!.includes(name)).flatMap((other) => stopsOf[other] ?? []);
    const stops = containersOf(observed, name).filter(isRunning).map((c) => builder.add({ kind: 'StopContainer',
      resource: resourceOf(c), dependsOn: after, reason: 'stop', service: name, container: { id: c.id, name: c.name },
      ...timeout(options) }));
    stopsOf[name] = stops.length > 0 ? stops : after;
  }
  return builder.build();
}

/** Starts stopped containers in dependency order, waiting for health or completion where depends_on asks. */
export function planStart(project: Project | undefined, observed: ObservedState, options: StartOptions = {}): Plan {
  const builder = new PlanBuilder(observed.project);
  const deps = dependencies(project, observed);
  const selected = new Set(selectServices(deps, options.services, project));
  const startsOf: Record<string, number[]> = {};
  for (const name of dependencyOrder(graphOf(deps))) {
    if (!selected.has(name)) continue;
    const stopped = containersOf(observed, name).filter((c) => !isRunning(c));
    startsOf[name] = [];
    if (stopped.length === 0) continue;
    const after = waitsFor(builder, observed, name, deps, selected, startsOf);
    startsOf[name] = stopped.map((c) => builder.add({ kind: 'StartContainer', resource: resourceOf(c), dependsOn: after,
      reason: `not running (${c.state})`, service: name, container: { id: c.id, name: c.name } }));
  }
  return builder.build();
}

/**
 * Stops and starts each container, services in dependency order; services that declared `restart: true` on a
 * restarted service are restarted too unless noDeps.
 */
export function planRestart(project: Project | undefined, observed: ObservedState, options: RestartOptions = {}): Plan {
  const builder = new PlanBuilder(observed.project);
  const deps = dependencies(project, observed);
  const selected = new Set(selectServices(deps, options.services, project));
  if (!options.noDeps) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const [name, d] of Object.entries(deps)) {
        if (!selected.has(name) && Object.entries(d).some(([dep, spec]) => spec.restart && selected.has(dep))) {
          selected.add(name);
          grew = true;
        }
      }
    }
  }
  const startsOf: Record<string, number[]> = {};
  for (const name of dependencyOrder(graphOf(deps))) {
    if (!selected.has(name)) continue;
    const containers = containersOf(observed, name);
    startsOf[name] = [];
    if (containers.length === 0) continue;
    // Only the restarted dependencies are waited for; the others keep running.
    const after = waitsFor(builder, observed, name, deps, selected, startsOf, true);
    for (const c of containers) {
      const target = { id: c.id, name: c.name };
      const stop = builder.add({ kind: 'StopContainer', resource: resourceOf(c), dependsOn: after, reason: 'restart', service: name,
        container: target, ...timeout(options) });
      startsOf[name].push(builder.add({ kind: 'StartContainer', resource: resourceOf(c), dependsOn: [stop], reason: 'restart',
        service: name, container: target }));
    }
  }
  return builder.build();
}

/** Removes stopped containers (running ones too, stopped first, with `stop`). */
export function planRemove(project: Project | undefined, observed: ObservedState, options: RemoveOptions = {}): Plan {
  const builder = new PlanBuilder(observed.project);
  const deps = dependencies(project, observed);
  const selected = new Set(selectServices(deps, options.services, project));
  for (const name of reverseDependencyOrder(graphOf(deps))) {
    if (!selected.has(name)) continue;
    for (const c of containersOf(observed, name)) {
      const target = { id: c.id, name: c.name };
      let after: number[] = [];
      if (isRunning(c)) {
        if (!options.stop) continue;
        after = [builder.add({ kind: 'StopContainer', resource: resourceOf(c), dependsOn: [], reason: 'rm --stop', service: name,
          container: target, ...timeout(options) })];
      }
      builder.add({ kind: 'RemoveContainer', resource: resourceOf(c), dependsOn: after, reason: 'rm', service: name, container: target,
        removeVolumes: options.volumes ?? false, force: false });
    }
  }
  return builder.build();
}

/** The ops a service's starts wait for: dependencies' starts, plus a WaitCondition for healthy/completed ones. */
function waitsFor(builder: PlanBuilder, observed: ObservedState, name: string, deps: Dependencies, selected: Set<string>,
  startsOf: Record<string, number[]>, onlySelected = false): number[] {
  const after: number[] = [];
  for (const [dep, spec] of Object.entries(deps[name] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!(dep in deps) || (onlySelected && !selected.has(dep))) continue;
    const started = startsOf[dep] ?? [];
    after.push(...started);
    if (spec.condition === 'service_started') continue;
    const containers: ContainerTarget[] = containersOf(observed, dep).map((c) => ({ id: c.id, name: c.name }));
    if (containers.length === 0 && !selected.has(dep)) continue;
    after.push(builder.add({ kind: 'WaitCondition', resource: `service:${dep}`, dependsOn: started, reason: `${name} depends on ${dep}`,
      service: dep, condition: spec.condition as WaitConditionKind, required: spec.required, dependent: name, containers }));
  }
  return after;
}
