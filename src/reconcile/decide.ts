/**
 * What to do with each replica of a service: keep, start, recreate, create, remove. Decided before any operation is
 * written, so that later steps (stopping `restart: true` dependents, shared-namespace cascades) can look ahead.
 */
import type { ContainerSummary } from '../engine/types.js';
import type { Project, Service } from '../model/types.js';
import { canonicalJson, serviceConfigHash, serviceContainerConfig } from '../model/hash.js';
import { diffValues, formatChanges } from './config-diff.js';
import { Label, decodeConfigLabel } from './labels.js';
import { containerName, networkName, serviceImageName, volumeName, type NamingOptions } from './names.js';

export type RecreatePolicy = 'diverged' | 'force' | 'never';

export type Decision =
  | { kind: 'keep'; number: number; container: ContainerSummary; startReason?: string }
  | { kind: 'recreate'; number: number; container: ContainerSummary; reason: string }
  /** The old container is removed earlier in the plan (its volume is recreated); create anew under the final name. */
  | { kind: 'replace'; number: number; container: ContainerSummary; reason: string }
  | { kind: 'create'; number: number; reason: string }
  | { kind: 'remove'; number: number; container: ContainerSummary; reason: string };

export interface DecisionInput {
  project: Project;
  service: Service;
  scale: number;
  policy: RecreatePolicy;
  containers: ContainerSummary[];
  /** Image ref → local id; only images no pull/build of this plan will change. */
  imageIds: Record<string, string>;
  /** Network key → id of the network as it exists now (absent: created by this plan). */
  networkIds: Record<string, string>;
  recreatedNetworks: Set<string>;
  recreatedVolumes: Set<string>;
  /** Services whose containers are replaced in this plan (for namespace cascades). */
  changedServices: Set<string>;
  /** Image refs built by this run: their containers are recreated with `image rebuilt` rather than `image changed`. */
  builtImages?: ReadonlySet<string>;
  naming?: NamingOptions;
}

export function containerNumber(container: ContainerSummary): number {
  const n = Number(container.labels[Label.containerNumber]);
  return Number.isInteger(n) ? n : 0;
}

export function decideService(input: DecisionInput): Decision[] {
  const { project, service, scale } = input;
  const finalName = (number: number): string => containerName(project, service, number, input.naming);
  // Up-to-date containers first, then by replica number; for one number, the container under its final name before
  // one a killed recreate left under its temporary name (keeping it saves a rename).
  const assessed = input.containers
    .map((container) => ({ container, number: containerNumber(container), reason: recreateReason(input, container) }))
    .sort((a, b) => Number(a.reason !== undefined) - Number(b.reason !== undefined) || a.number - b.number
      || Number(a.container.name !== finalName(a.number)) - Number(b.container.name !== finalName(b.number)));
  const numbers = new Set(input.containers.map(containerNumber));
  const retained = new Set<number>();
  const decisions: Decision[] = [];
  assessed.forEach(({ container, number, reason }) => {
    // A second container with a retained number is what an interrupted recreate left: the other one replaces it.
    if (retained.has(number) || retained.size >= scale) {
      decisions.push({ kind: 'remove', number, container, reason: retained.has(number)
        ? `duplicate of replica ${number}, left by an interrupted recreate` : `scale ${numbers.size} → ${scale}` });
      return;
    }
    retained.add(number);
    if (reason === undefined) {
      decisions.push(startReason(container) ? { kind: 'keep', number, container, startReason: startReason(container)! }
        : { kind: 'keep', number, container });
      return;
    }
    const mountsRecreatedVolume = (service.volumes ?? []).some(
      (v) => v.type === 'volume' && v.source !== undefined && input.recreatedVolumes.has(v.source));
    decisions.push({ kind: mountsRecreatedVolume ? 'replace' : 'recreate', number, container, reason });
  });
  let next = Math.max(0, ...input.containers.map(containerNumber)) + 1;
  for (let i = retained.size; i < scale; i++) {
    const reason = numbers.size === 0 && scale === 1 ? 'missing' : `scale ${numbers.size} → ${scale}`;
    decisions.push({ kind: 'create', number: next++, reason });
  }
  return decisions;
}

function startReason(container: ContainerSummary): string | undefined {
  switch (container.state) {
    case 'running':
    case 'restarting':
    case 'removing':
    case 'paused':
      return undefined;
    default:
      return `not running (${container.state})`;
  }
}

/** Why this container must be recreated, or undefined when it is up to date (or the policy forbids recreating). */
export function recreateReason(input: DecisionInput, container: ContainerSummary): string | undefined {
  const { project, service, policy } = input;
  // The container is removed with its volume whatever the policy: it must come back.
  for (const key of usedVolumeKeys(service)) {
    if (input.recreatedVolumes.has(key)) return `volume ${volumeName(project, key)} recreated`;
  }
  if (policy === 'never') return undefined;
  if (policy === 'force') return 'forced';
  for (const parent of namespaceParents(service)) {
    if (input.changedServices.has(parent)) return `shares namespace or volumes with ${parent}, which is replaced`;
  }
  const expectedHash = serviceConfigHash(service);
  if (container.labels[Label.configHash] !== expectedHash) return configChanges(service, container);
  const wantedImage = input.imageIds[serviceImageName(project, service)];
  if (wantedImage && container.imageId && container.imageId !== wantedImage) {
    const rebuilt = input.builtImages?.has(serviceImageName(project, service));
    return `image ${rebuilt ? 'rebuilt' : 'changed'}: ${shortId(container.imageId)} → ${shortId(wantedImage)}`;
  }
  if (service.network_mode === undefined) {
    for (const key of Object.keys(service.networks ?? {}).sort()) {
      if (input.recreatedNetworks.has(key)) return `network ${networkName(project, key)} recreated`;
      if (container.state !== 'running') continue;
      const id = input.networkIds[key];
      const attached = id !== undefined && Object.entries(container.networks).some(
        ([name, a]) => a.networkId === id || (!a.networkId && name === networkName(project, key)));
      if (!attached) return `not connected to network ${networkName(project, key)}`;
    }
  }
  for (const volume of service.volumes ?? []) {
    if (volume.type !== 'volume' || volume.source === undefined) continue;
    const name = volumeName(project, volume.source);
    if (!container.mounts.some((m) => m.type === 'volume' && m.name === name && m.destination === volume.target)) {
      return `volume ${name} not mounted at ${volume.target}`;
    }
  }
  return undefined;
}

function usedVolumeKeys(service: Service): string[] {
  return (service.volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!);
}

/** Services whose containers this one shares a namespace or volumes with. */
export function namespaceParents(service: Service): string[] {
  const parents = new Set<string>();
  for (const mode of [service.network_mode, service.ipc, service.pid, service.uts, service.cgroup]) {
    if (mode?.startsWith('service:')) parents.add(mode.slice('service:'.length));
  }
  for (const entry of service.volumes_from ?? []) {
    const parts = entry.split(':');
    if (parts[0] === 'container') continue;
    parents.add(parts[0] === 'service' ? parts[1]! : parts[0]!);
  }
  return [...parents].sort();
}

/** The field diff between the config a container was made with (our label) and the file's. */
function configChanges(service: Service, container: ContainerSummary): string {
  const before = decodeConfigLabel(container.labels[Label.flotillaConfig]);
  if (before === undefined) return 'created by another tool: hash differs, recreated once';
  const expected = JSON.parse(canonicalJson(serviceContainerConfig(service))) as unknown;
  const changes = diffValues(before, expected);
  return `config changed: ${changes.length > 0 ? formatChanges(changes) : 'hash differs'}`;
}

/** `sha256:0123456789ab…` */
export function shortId(id: string): string {
  const [algo, hex] = id.includes(':') ? id.split(':', 2) : ['', id];
  return `${algo ? `${algo}:` : ''}${hex!.slice(0, 12)}…`;
}
