/**
 * reconcile(project, observed, options) → Plan: what `up`/`create` must do so that the engine matches the file.
 * Pure. Steps: select services; check networks, volumes and images; decide each replica's fate (decide.ts); then
 * write operations in dependency order: images, networks, volumes, orphans, then each service's containers.
 */
import type { ContainerSummary } from '../engine/types.js';
import type { Project, Service } from '../model/types.js';
import { serviceScale } from '../model/types.js';
import { decideService, namespaceParents, type Decision, type RecreatePolicy } from './decide.js';
import { toContainerSpec } from './container-spec.js';
import { ReconcileError } from './errors.js';
import { Label } from './labels.js';
import { containerName, serviceImageName, temporaryContainerName } from './names.js';
import type { ObservedState } from './observe.js';
import type { ReconcileOptions } from './options.js';
import { dependencyOrder, withDependencies, type DependencyGraph } from './order.js';
import { PlanBuilder, type ContainerTarget, type Plan } from './plan.js';
import { assessResources, emitImageOps, emitNetworkOps, emitVolumeOps } from './resources.js';

export type { ReconcileOptions } from './options.js';

/** Where a service stands while its operations are written. */
interface ServiceProgress {
  /** Ops after which each of its containers exists under its final name. */
  ready: number[];
  /** Its start ops. */
  starts: number[];
  /** Its replicas once the plan ran. */
  targets: ContainerTarget[];
}

export function reconcile(project: Project, observed: ObservedState, options: ReconcileOptions = {}): Plan {
  const builder = new PlanBuilder(project.name);
  const graph = serviceGraph(project);
  const unknown = (options.services ?? []).filter((name) => !project.services[name]);
  if (unknown.length > 0) throw new ReconcileError(unknown.map((name) => `no such service: ${name}`));
  const selected = options.services && options.services.length > 0 ? options.services : Object.keys(project.services);
  const inSet = options.noDeps ? new Set(selected) : withDependencies(graph, selected);
  const order = dependencyOrder(Object.fromEntries([...inSet].map((name) => [name, graph[name]!])));
  const services = order.map((name) => project.services[name]!);
  const scaleOf = (name: string): number => options.scale?.[name] ?? serviceScale(project.services[name]!);

  const assessments = assessResources(project, observed, services, options);
  const problems = [...assessments.problems];
  const imageReady = options.skipImages ? {} : emitImageOps(builder, project, services.filter((s) => scaleOf(s.name) > 0),
    observed.imageIds, options, problems);
  if (problems.length > 0) throw new ReconcileError(problems);
  assessments.warnings.forEach((w) => builder.warn(w));

  // Images a pull or build of this plan may change cannot be compared yet (see planImages).
  const imageIds = Object.fromEntries(Object.entries(observed.imageIds).filter(([ref]) => imageReady[ref] === undefined));
  const networkIds = Object.fromEntries(assessments.networks.filter((n) => n.status === 'exists' && n.observed)
    .map((n) => [n.key, n.observed!.id]));
  const recreatedNetworks = new Set(assessments.networks.filter((n) => n.status === 'recreate').map((n) => n.key));
  const recreatedVolumes = new Set(assessments.volumes.filter((v) => v.status === 'recreate').map((v) => v.key));

  const managed = observed.containers.filter((c) => c.labels[Label.configHash] !== undefined && c.labels[Label.oneoff] !== 'True')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const decisions: Record<string, Decision[]> = {};
  const changed = new Set<string>();
  for (const service of services) {
    decisions[service.name] = decideService({
      project, service, scale: scaleOf(service.name), policy: policyFor(service.name, selected, options),
      containers: managed.filter((c) => c.labels[Label.service] === service.name),
      imageIds, networkIds, recreatedNetworks, recreatedVolumes, changedServices: changed,
      builtImages: options.builtImages, naming: options.naming,
    });
    const first = decisions[service.name]!.filter((d) => d.kind !== 'remove').sort((a, b) => a.number - b.number)[0];
    if (first && first.kind !== 'keep') changed.add(service.name);
  }
  const replaced = new Set(Object.values(decisions).flat()
    .flatMap((d) => (d.kind === 'recreate' || d.kind === 'replace' || d.kind === 'remove' ? [d.container.id] : [])));

  planOrphans(builder, project, observed.containers, options);
  const networkReady = emitNetworkOps(builder, project, assessments.networks, managed, (c) => !replaced.has(c.id), options.labels);
  const volumeReady = emitVolumeOps(builder, project, assessments.volumes, managed, options.timeoutSec, options.labels);

  const serviceContainers: Record<string, string> = {};
  for (const service of services) {
    const first = decisions[service.name]!.filter((d) => d.kind !== 'remove').sort((a, b) => a.number - b.number)[0];
    if (first) serviceContainers[service.name] = first.kind === 'keep' ? first.container.id
      : containerName(project, service, first.number, options.naming);
  }

  // A container must leave a name before another one takes it: creates and renames wait for the removal of
  // whichever container holds their name now (the old one of a recreate, or what a killed recreate left).
  const holders = new Map(observed.containers.map((c) => [c.name, c.id]));
  const removalOfHolder = (name: string, after: number[]): number[] => {
    const holder = holders.get(name);
    if (holder === undefined) return [];
    return builder.filter((op) => op.kind === 'RemoveContainer' && op.container.id === holder).map((op) => op.id)
      .filter((removal) => !after.some((dep) => dep === removal || builder.precedes(removal, dep)));
  };

  const progress: Record<string, ServiceProgress> = {};
  const stoppedDependents = new Map<string, string>(); // container id → the dependency it restarts with
  const stopsFor = new Map<string, number[]>(); // dependency → stops of its restart: true dependents

  /** Stops the running, kept containers of services that declared `restart: true` on `dependency`; once. */
  const stopRestartDependents = (dependency: string): number[] => {
    if (stopsFor.has(dependency)) return stopsFor.get(dependency)!;
    const ids: number[] = [];
    for (const name of order) {
      if (!project.services[name]!.depends_on?.[dependency]?.restart) continue;
      for (const d of decisions[name]!) {
        if (d.kind !== 'keep' || d.container.state !== 'running') continue;
        ids.push(builder.add({ kind: 'StopContainer', resource: `service:${name}:${d.number}`, dependsOn: [],
          reason: `dependency ${dependency} is recreated`, service: name, container: { id: d.container.id, name: d.container.name },
          ...timeout(options) }));
        stoppedDependents.set(d.container.id, dependency);
      }
    }
    stopsFor.set(dependency, ids);
    return ids;
  };

  for (const service of services) {
    const name = service.name;
    const image = serviceImageName(project, service);
    const infra = [
      ...Object.keys(service.network_mode === undefined ? service.networks ?? {} : {}).map((k) => networkReady[k]),
      ...(service.volumes ?? []).map((v) => (v.type === 'volume' && v.source ? volumeReady[v.source] : undefined)),
      imageReady[image],
      ...[...Object.keys(service.depends_on ?? {}), ...namespaceParents(service)].flatMap((dep) => progress[dep]?.ready ?? []),
    ].filter((id): id is number => id !== undefined);
    const state: ServiceProgress = { ready: [], starts: [], targets: [] };
    const toStart: { target: ContainerTarget; after: number[]; reason: string; resource: string }[] = [];

    // Removals first, so that the names they free can be waited for.
    for (const d of [...decisions[name]!].sort((a, b) => Number(a.kind !== 'remove') - Number(b.kind !== 'remove') || a.number - b.number)) {
      const resource = `service:${name}:${d.number}`;
      const finalName = containerName(project, service, d.number, options.naming);
      const specContext = { imageId: observed.imageIds[image], serviceContainers, naming: options.naming, labels: options.labels };
      if (d.kind === 'remove') {
        const stop = builder.add({ kind: 'StopContainer', resource, dependsOn: [], reason: d.reason, service: name,
          container: { id: d.container.id, name: d.container.name }, ...timeout(options) });
        builder.add({ kind: 'RemoveContainer', resource, dependsOn: [stop], reason: d.reason, service: name,
          container: { id: d.container.id, name: d.container.name }, removeVolumes: false, force: false });
        continue;
      }
      if (d.kind === 'keep') {
        const restartedWith = stoppedDependents.get(d.container.id);
        const reason = restartedWith ? `restart after dependency ${restartedWith} was recreated` : d.startReason;
        if (d.container.name !== finalName) {
          // A recreate was killed after creating this (up-to-date) container under its temporary name: finish it.
          const renamed = builder.add({ kind: 'RenameContainer', resource, dependsOn: removalOfHolder(finalName, []),
            reason: 'finish an interrupted recreate', service: name, container: { id: d.container.id, name: d.container.name },
            newName: finalName });
          const target = { id: d.container.id, name: finalName };
          state.ready.push(renamed);
          state.targets.push(target);
          if (reason) toStart.push({ target, after: [renamed], reason, resource });
          continue;
        }
        const target = { id: d.container.id, name: d.container.name };
        state.targets.push(target);
        if (reason) toStart.push({ target, after: [], reason, resource });
        continue;
      }
      if (d.kind === 'create' || d.kind === 'replace') {
        const id = builder.add({ kind: 'CreateContainer', resource, dependsOn: [...infra, ...removalOfHolder(finalName, infra)], reason: d.reason, service: name,
          number: d.number, name: finalName, spec: toContainerSpec(project, service, d.number, specContext) });
        const target = { createdBy: id, name: finalName };
        state.ready.push(id);
        state.targets.push(target);
        toStart.push({ target, after: [id], reason: d.kind === 'create' ? 'new container' : 'recreated', resource });
        continue;
      }
      // recreate: the new container exists before the old one goes.
      const group = `recreate:${name}:${d.number}`;
      const old = { id: d.container.id, name: d.container.name };
      const tmpName = temporaryContainerName(d.container.id, finalName);
      const inherited = options.renewAnonVolumes ? {} : inheritedMounts(service, d.container, observed.imageVolumes[image] ?? []);
      const created = builder.add({ kind: 'CreateContainer', resource, dependsOn: infra, reason: d.reason, group, service: name,
        number: d.number, name: finalName, replaces: old,
        spec: toContainerSpec(project, service, d.number, { ...specContext, tmpName, replaces: d.container.name, inheritedMounts: inherited }) });
      const dependents = stopRestartDependents(name);
      const stop = builder.add({ kind: 'StopContainer', resource, dependsOn: [created, ...dependents], reason: `replaced by #${created}`,
        group, service: name, container: old, ...timeout(options) });
      const removed = builder.add({ kind: 'RemoveContainer', resource, dependsOn: [stop], reason: `replaced by #${created}`, group,
        service: name, container: old, removeVolumes: options.renewAnonVolumes ?? false, force: false });
      const renamed = builder.add({ kind: 'RenameContainer', resource, dependsOn: [removed, ...removalOfHolder(finalName, [removed])],
        reason: 'finalize recreate', group,
        service: name, container: { createdBy: created, name: tmpName }, newName: finalName });
      const target = { createdBy: created, name: finalName };
      state.ready.push(renamed);
      state.targets.push(target);
      toStart.push({ target, after: [renamed], reason: 'recreated', resource });
    }

    if (!options.noStart && toStart.length > 0) {
      const waits = dependencyWaits(builder, service, inSet, scaleOf, progress);
      for (const s of toStart) {
        state.starts.push(builder.add({ kind: 'StartContainer', resource: s.resource, dependsOn: [...s.after, ...waits],
          reason: s.reason, service: name, container: s.target }));
      }
    }
    progress[name] = state;
  }

  if (options.wait && !options.noStart) {
    for (const service of services) {
      if (scaleOf(service.name) === 0) continue;
      const oneShot = services.some((s) => s.depends_on?.[service.name]?.condition === 'service_completed_successfully');
      builder.add({ kind: 'WaitCondition', resource: `service:${service.name}`, dependsOn: progress[service.name]!.starts,
        reason: 'wait requested', service: service.name, required: true,
        condition: oneShot ? 'service_completed_successfully' : 'running_or_healthy', containers: progress[service.name]!.targets });
    }
  }
  return builder.build();
}

/** The ops a service's starts wait for: its dependencies' starts, and a WaitCondition for health or completion. */
function dependencyWaits(builder: PlanBuilder, service: Service, inSet: Set<string>, scaleOf: (name: string) => number,
  progress: Record<string, ServiceProgress>): number[] {
  const after: number[] = [];
  for (const [dep, spec] of Object.entries(service.depends_on ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Services outside the selection (--no-deps) and scaled to zero are not waited for.
    if (!inSet.has(dep) || scaleOf(dep) === 0 || !progress[dep]) continue;
    if (spec.condition === 'service_started') {
      after.push(...progress[dep].starts);
      continue;
    }
    after.push(builder.add({ kind: 'WaitCondition', resource: `service:${dep}`, dependsOn: progress[dep].starts,
      reason: `${service.name} depends on ${dep}`, service: dep, condition: spec.condition, required: spec.required,
      dependent: service.name, containers: progress[dep].targets }));
  }
  return after;
}

function policyFor(service: string, selected: string[], options: ReconcileOptions): RecreatePolicy {
  if (options.noRecreate) return 'never';
  if (selected.includes(service)) return options.forceRecreate || options.renewAnonVolumes ? 'force' : 'diverged';
  return options.alwaysRecreateDeps ? 'force' : 'diverged';
}

export function serviceGraph(project: Project): DependencyGraph {
  const graph: DependencyGraph = {};
  for (const [name, service] of Object.entries(project.services)) {
    graph[name] = Object.keys(service.depends_on ?? {}).filter((dep) => project.services[dep]).sort();
  }
  return graph;
}

/** Anonymous volumes (file or image VOLUME) of the old container to mount again: target → volume name. */
export function inheritedMounts(service: Service, old: ContainerSummary, imageVolumes: string[]): Record<string, string> {
  const anonymousTargets = new Set((service.volumes ?? []).filter((v) => v.type === 'volume' && !v.source).map((v) => v.target));
  const declaredTargets = new Set((service.volumes ?? []).map((v) => v.target));
  const out: Record<string, string> = {};
  for (const mount of old.mounts) {
    if (mount.type !== 'volume' || !mount.name) continue;
    const fromImage = imageVolumes.includes(mount.destination) && !declaredTargets.has(mount.destination);
    if (anonymousTargets.has(mount.destination) || fromImage) out[mount.destination] = mount.name;
  }
  return out;
}

/** Containers of the project whose service is neither active nor disabled by a profile; one-offs once exited. */
export function findOrphans(project: Project, containers: ContainerSummary[]): ContainerSummary[] {
  return containers.filter((c) => {
    if (c.labels[Label.oneoff] === 'True') return c.state === 'exited' || c.state === 'dead';
    const service = c.labels[Label.service] ?? '';
    return !project.services[service] && !project.disabled_services[service];
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function planOrphans(builder: PlanBuilder, project: Project, containers: ContainerSummary[], options: ReconcileOptions): void {
  const orphans = findOrphans(project, containers);
  if (orphans.length === 0) return;
  if (!options.removeOrphans) {
    if (!options.ignoreOrphans) {
      builder.warn(`Found orphan containers (${orphans.map((c) => c.name).join(', ')}) for this project. If you removed or `
        + `renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    }
    return;
  }
  for (const c of orphans) {
    const service = c.labels[Label.service] ?? '';
    const target = { id: c.id, name: c.name };
    const stop = builder.add({ kind: 'StopContainer', resource: `container:${c.name}`, dependsOn: [], reason: 'orphan', service,
      container: target, ...timeout(options) });
    builder.add({ kind: 'RemoveContainer', resource: `container:${c.name}`, dependsOn: [stop], reason: 'orphan', service,
      container: target, removeVolumes: false, force: false });
  }
}

function timeout(options: { timeoutSec?: number }): { timeoutSec?: number } {
  return options.timeoutSec !== undefined ? { timeoutSec: options.timeoutSec } : {};
}

/**
 * Only the pulls and builds `up` needs. Running this first, observing again, then reconciling with skipImages
 * lets the reconciler see the new image ids and recreate what a pull or build changed.
 */
export function planImages(project: Project, observed: ObservedState, options: ReconcileOptions = {}): Plan {
  const builder = new PlanBuilder(project.name);
  const graph = serviceGraph(project);
  const selected = options.services && options.services.length > 0 ? options.services : Object.keys(project.services);
  const inSet = options.noDeps ? new Set(selected) : withDependencies(graph, selected);
  const services = [...inSet].sort().map((name) => project.services[name]!)
    .filter((s) => (options.scale?.[s.name] ?? serviceScale(s)) > 0);
  const problems: string[] = [];
  emitImageOps(builder, project, services, observed.imageIds, options, problems);
  if (problems.length > 0) throw new ReconcileError(problems);
  return builder.build();
}
