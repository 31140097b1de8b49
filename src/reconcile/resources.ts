/**
 * Networks, volumes and images of a plan: which exist, which must be created, which drifted from the file, and the
 * operations that make them ready before containers are created.
 */
import type { ContainerSummary, NetworkSpec, NetworkSummary, VolumeSummary } from '../engine/types.js';
import type { Network, Project, Service, Volume } from '../model/types.js';
import { diffValues, formatChanges } from './config-diff.js';
import {
  Label, decodeConfigLabel, networkConfigHash, networkLabels, stripNetwork, stripVolume, volumeConfigHash, volumeLabels,
  type LabelContext,
} from './labels.js';
import { serviceImageName } from './names.js';
import type { ReconcileOptions } from './options.js';
import type { PlanBuilder } from './plan.js';

export type ResourceStatus = 'exists' | 'missing' | 'recreate';

export interface ResourceAssessment<T> {
  key: string;
  /** Engine name. */
  name: string;
  config: T;
  status: ResourceStatus;
  observed?: { id: string; name: string; labels: Record<string, string> };
  /** Why it is recreated (the field diff). */
  reason?: string;
}

export interface Assessments {
  networks: ResourceAssessment<Network>[];
  volumes: ResourceAssessment<Volume>[];
  problems: string[];
  warnings: string[];
}

/** Network keys the services attach to, sorted. */
export function usedNetworks(services: Service[]): string[] {
  return [...new Set(services.flatMap((s) => (s.network_mode === undefined ? Object.keys(s.networks ?? {}) : [])))].sort();
}

/** Named volume keys the services mount, sorted. */
export function usedVolumes(services: Service[]): string[] {
  const keys = services.flatMap((s) => (s.volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!));
  return [...new Set(keys)].sort();
}

export function assessResources(project: Project, observed: { networks: NetworkSummary[]; volumes: VolumeSummary[] },
  services: Service[], options: ReconcileOptions): Assessments {
  const problems: string[] = [];
  const warnings: string[] = [];
  const networks = usedNetworks(services).filter((key) => project.networks[key]).map((key) => {
    const config = project.networks[key]!;
    const found = findObserved(observed.networks.map((n) => ({ id: n.id, name: n.name, labels: n.labels })), project.name,
      Label.network, key, config.name);
    return assess('network', key, config, found, networkConfigHash(config), stripNetwork(config),
      options.recreateNetworks ?? false, problems, warnings);
  });
  const volumes = usedVolumes(services).filter((key) => project.volumes[key]).map((key) => {
    const config = project.volumes[key]!;
    const found = findObserved(observed.volumes.map((v) => ({ id: v.name, name: v.name, labels: v.labels })), project.name,
      Label.volume, key, config.name);
    return assess('volume', key, config, found, volumeConfigHash(config), stripVolume(config),
      options.recreateVolumes ?? false, problems, warnings);
  });
  return { networks, volumes, problems, warnings };
}

/** The project-labelled one with the right key (exact name preferred), else any with the declared name. */
function findObserved(candidates: { id: string; name: string; labels: Record<string, string> }[], project: string,
  keyLabel: string, key: string, name: string): ResourceAssessment<unknown>['observed'] {
  const labelled = candidates.filter((c) => c.labels[Label.project] === project && c.labels[keyLabel] === key);
  return labelled.find((c) => c.name === name) ?? candidates.find((c) => c.name === name);
}

function assess<T extends Network | Volume>(kind: 'network' | 'volume', key: string, config: T,
  found: ResourceAssessment<T>['observed'], expectedHash: string, expectedConfig: Record<string, unknown>,
  allowRecreate: boolean, problems: string[], warnings: string[]): ResourceAssessment<T> {
  const base = { key, name: config.name, config };
  if (config.external) {
    if (!found) {
      problems.push(kind === 'network'
        ? `network ${config.name} declared as external, but could not be found`
        : `external volume "${config.name}" not found`);
    }
    return { ...base, status: 'exists', ...(found ? { observed: found } : {}) };
  }
  if (!found) return { ...base, status: 'missing' };
  if (found.labels[Label.project] === undefined) {
    warnings.push(`${kind} "${config.name}" already exists but was not created by Flotilla or Docker Compose; `
      + `set external: true to use it as such`);
    return { ...base, status: 'exists', observed: found };
  }
  const hash = found.labels[Label.configHash];
  if (!hash || hash === expectedHash) return { ...base, status: 'exists', observed: found };
  const before = decodeConfigLabel(found.labels[Label.flotillaConfig]);
  const changes = before === undefined ? 'config hash differs' : formatChanges(diffValues(before, expectedConfig)) || 'config hash differs';
  if (!allowRecreate) {
    problems.push(`${kind} "${config.name}" exists but does not match the compose file (${changes}); `
      + `allow recreating changed ${kind}s or remove it`);
    return { ...base, status: 'exists', observed: found };
  }
  return { ...base, status: 'recreate', observed: found, reason: `config changed: ${changes}` };
}

// ------------------------------------------------------------------------------------------------ emission

/** Network key → the op that creates it. Recreated networks: containers are disconnected before the removal. */
export function emitNetworkOps(builder: PlanBuilder, project: Project, networks: ResourceAssessment<Network>[],
  containers: ContainerSummary[], reconnect: (c: ContainerSummary) => boolean, labels?: LabelContext): Record<string, number> {
  const ready: Record<string, number> = {};
  for (const net of networks) {
    const resource = `network:${net.key}`;
    const spec = networkSpec(project, net.key, net.config, labels);
    if (net.status === 'missing') {
      ready[net.key] = builder.add({ kind: 'CreateNetwork', resource, dependsOn: [], reason: 'missing', key: net.key, spec });
      continue;
    }
    if (net.status !== 'recreate') continue;
    const attached = containers.filter((c) => Object.entries(c.networks).some(
      ([name, a]) => a.networkId === net.observed!.id || name === net.observed!.name));
    const disconnects = attached.map((c) => builder.add({
      kind: 'DisconnectNetwork', resource: `service:${c.labels[Label.service]}:${c.labels[Label.containerNumber]}`,
      dependsOn: [], reason: `network ${net.name} recreated`, service: c.labels[Label.service] ?? '',
      container: { id: c.id, name: c.name }, network: net.observed!.name, force: true,
    }));
    const removed = builder.add({ kind: 'RemoveNetwork', resource, dependsOn: disconnects, reason: net.reason!, key: net.key,
      name: net.observed!.name });
    ready[net.key] = builder.add({ kind: 'CreateNetwork', resource, dependsOn: [removed], reason: net.reason!, key: net.key, spec });
    for (const c of attached.filter(reconnect)) {
      const service = c.labels[Label.service] ?? '';
      builder.add({
        kind: 'ConnectNetwork', resource: `service:${service}:${c.labels[Label.containerNumber]}`, dependsOn: [ready[net.key]!],
        reason: `network ${net.name} recreated`, service, container: { id: c.id, name: c.name }, network: net.name,
        options: { aliases: [service, c.name] },
      });
    }
  }
  return ready;
}

/**
 * Volume key → the op that creates it. A recreated volume first loses every container mounting it (stopped and
 * removed; the reconciler creates the ones it still wants afresh).
 */
export function emitVolumeOps(builder: PlanBuilder, project: Project, volumes: ResourceAssessment<Volume>[],
  containers: ContainerSummary[], timeoutSec: number | undefined, labels?: LabelContext): Record<string, number> {
  const ready: Record<string, number> = {};
  for (const vol of volumes) {
    const resource = `volume:${vol.key}`;
    const spec = { name: vol.name, labels: volumeLabels(project, vol.key, vol.config, labels),
      ...(vol.config.driver ? { driver: vol.config.driver } : {}),
      ...(vol.config.driver_opts ? { driverOpts: vol.config.driver_opts } : {}) };
    if (vol.status === 'missing') {
      ready[vol.key] = builder.add({ kind: 'CreateVolume', resource, dependsOn: [], reason: 'missing', key: vol.key, spec });
      continue;
    }
    if (vol.status !== 'recreate') continue;
    const users = containers.filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === vol.name));
    const removes = users.map((c) => {
      const service = c.labels[Label.service] ?? '';
      const res = `service:${service}:${c.labels[Label.containerNumber]}`;
      const why = `volume ${vol.name} recreated`;
      const stop = builder.add({ kind: 'StopContainer', resource: res, dependsOn: [], reason: why, service,
        container: { id: c.id, name: c.name }, ...(timeoutSec !== undefined ? { timeoutSec } : {}) });
      return builder.add({ kind: 'RemoveContainer', resource: res, dependsOn: [stop], reason: why, service,
        container: { id: c.id, name: c.name }, removeVolumes: false, force: false });
    });
    const removed = builder.add({ kind: 'RemoveVolume', resource, dependsOn: removes, reason: vol.reason!, key: vol.key, name: vol.name });
    ready[vol.key] = builder.add({ kind: 'CreateVolume', resource, dependsOn: [removed], reason: vol.reason!, key: vol.key, spec });
  }
  return ready;
}

export function networkSpec(project: Project, key: string, network: Network, labels?: LabelContext): NetworkSpec {
  const spec: NetworkSpec = { name: network.name, labels: networkLabels(project, key, network, labels) };
  if (network.driver) spec.driver = network.driver;
  if (network.driver_opts) spec.driverOpts = network.driver_opts;
  if (network.internal !== undefined) spec.internal = network.internal;
  if (network.attachable !== undefined) spec.attachable = network.attachable;
  if (network.enable_ipv6 !== undefined) spec.enableIpv6 = network.enable_ipv6;
  if (network.enable_ipv4 !== undefined) spec.enableIpv4 = network.enable_ipv4;
  if (network.ipam) {
    spec.ipam = {};
    if (network.ipam.driver) spec.ipam.driver = network.ipam.driver;
    if (network.ipam.options) spec.ipam.options = network.ipam.options;
    if (network.ipam.config) {
      spec.ipam.config = network.ipam.config.map((c) => ({
        ...(c.subnet ? { subnet: c.subnet } : {}), ...(c.ip_range ? { ipRange: c.ip_range } : {}),
        ...(c.gateway ? { gateway: c.gateway } : {}), ...(c.aux_addresses ? { auxAddresses: c.aux_addresses } : {}),
      }));
    }
  }
  return spec;
}

// ------------------------------------------------------------------------------------------------ images

/**
 * Pull and build operations for the services' images: image ref → the op that makes it present. Pull when the
 * policy says always or the image is missing; build when asked (`--build`, pull_policy build) or missing.
 */
export function emitImageOps(builder: PlanBuilder, project: Project, services: Service[],
  imageIds: Record<string, string>, options: ReconcileOptions, problems: string[]): Record<string, number> {
  const ready: Record<string, number> = {};
  const pulls = new Map<string, { services: string[]; reason: string; platform?: string }>();
  for (const service of services) {
    const image = serviceImageName(project, service);
    const present = image in imageIds;
    if (service.build && options.build !== false) {
      const forced = options.build === true || (options.pull ?? service.pull_policy) === 'build';
      if (forced || !present) {
        if (ready[image] !== undefined) continue;
        ready[image] = builder.add({
          kind: 'BuildImage', resource: `image:${image}`, dependsOn: [],
          reason: forced ? (options.build ? 'build requested' : 'pull_policy build') : 'missing locally',
          service: service.name, image, build: service.build, ...(service.platform ? { platform: service.platform } : {}),
        });
        continue;
      }
    }
    const policy = options.pull ?? service.pull_policy ?? 'missing';
    if (policy === 'build' && service.build) continue;
    const wanted = policy === 'always' ? 'pull_policy always' : present ? undefined : 'missing locally';
    if (!wanted) continue;
    if (policy === 'never' || (options.build === false && service.build && !service.image)) {
      problems.push(`image ${image} for service ${service.name} is not present locally and may not be pulled or built`);
      continue;
    }
    const entry = pulls.get(image) ?? { services: [], reason: wanted, ...(service.platform ? { platform: service.platform } : {}) };
    entry.services.push(service.name);
    pulls.set(image, entry);
  }
  for (const [image, entry] of [...pulls].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (ready[image] !== undefined) continue;
    ready[image] = builder.add({ kind: 'PullImage', resource: `image:${image}`, dependsOn: [], reason: entry.reason, image,
      services: entry.services, ...(entry.platform ? { platform: entry.platform } : {}) });
  }
  return ready;
}
