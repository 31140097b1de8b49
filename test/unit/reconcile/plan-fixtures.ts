/**
 * Builders for reconciler tests: a Project as the loader would produce it (default network added, names resolved),
 * and an ObservedState as a previous `up` of some project would have left it.
 */
import type { ContainerState, ContainerSummary, NetworkSummary, VolumeSummary } from '../../../src/engine/types.js';
import type { Network, Project, Service, Volume } from '../../../src/model/types.js';
import { toContainerSpec } from '../../../src/reconcile/container-spec.js';
import { Label, networkLabels, volumeLabels } from '../../../src/reconcile/labels.js';
import { emptyObservedState, type ObservedState } from '../../../src/reconcile/observe.js';
import { renderPlanText, type Plan } from '../../../src/reconcile/plan.js';
import { serviceImageName } from '../../../src/reconcile/names.js';

export type ServiceInput = Partial<Omit<Service, 'name'>>;

export interface ProjectInput {
  networks?: Record<string, Partial<Network>>;
  volumes?: Record<string, Partial<Volume>>;
  disabled?: Record<string, ServiceInput>;
}

export function makeService(name: string, input: ServiceInput = {}): Service {
  const service: Service = { name, image: 'nginx:1.27', environment: {}, ...input };
  if (input.image === undefined && 'image' in input) delete service.image;
  if (service.network_mode === undefined && service.networks === undefined) service.networks = { default: null };
  return service;
}

/** Services as the loader gives them; networks and volumes get their `<project>_<key>` names. */
export function makeProject(name: string, services: Record<string, ServiceInput>, extra: ProjectInput = {}): Project {
  const built = Object.fromEntries(Object.entries(services).map(([key, s]) => [key, makeService(key, s)]));
  const networks: Record<string, Network> = {};
  const usesDefault = Object.values(built).some((s) => s.networks && 'default' in s.networks);
  if (usesDefault) networks.default = { name: `${name}_default` };
  for (const [key, n] of Object.entries(extra.networks ?? {})) {
    networks[key] = { ...n, name: n.name ?? (n.external ? key : `${name}_${key}`) };
  }
  const volumes: Record<string, Volume> = {};
  for (const [key, v] of Object.entries(extra.volumes ?? {})) {
    volumes[key] = { ...v, name: v.name ?? (v.external ? key : `${name}_${key}`) };
  }
  return {
    name, working_dir: '/srv/app', compose_files: ['/srv/app/compose.yaml'], services: built, networks, volumes,
    secrets: {}, configs: {},
    disabled_services: Object.fromEntries(Object.entries(extra.disabled ?? {}).map(([k, s]) => [k, makeService(k, s)])),
    profiles: [], environment: {},
  };
}

/** A readable, stable container id whose first 12 characters name it: `web1aaaaaaaa…`. */
export function containerId(service: string, number: number): string {
  return `${service}${number}`.padEnd(12, 'a').slice(0, 12) + 'b'.repeat(52);
}

export const IMAGE_ID = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
export const NEW_IMAGE_ID = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

export interface ContainerOverrides {
  state?: ContainerState;
  labels?: Record<string, string>;
  /** Label names to drop (e.g. to simulate a container made by Docker Compose). */
  withoutLabels?: string[];
  imageId?: string;
  networks?: ContainerSummary['networks'];
  mounts?: ContainerSummary['mounts'];
  id?: string;
  name?: string;
}

/** A container exactly as `up` of `project` would have created it (running, attached, volumes mounted). */
export function deployedContainer(project: Project, service: string, number: number, o: ContainerOverrides = {}): ContainerSummary {
  const svc = project.services[service] ?? project.disabled_services[service]!;
  const spec = toContainerSpec(project, svc, number, { imageId: IMAGE_ID });
  const labels = { ...spec.labels, ...(o.labels ?? {}) };
  for (const l of o.withoutLabels ?? []) delete labels[l];
  const networks: ContainerSummary['networks'] = {};
  for (const a of spec.networks ?? []) networks[a.network] = { networkId: `net-${a.network}`, aliases: a.aliases ?? [] };
  const mounts: ContainerSummary['mounts'] = (spec.mounts ?? []).filter((m) => m.type !== 'tmpfs').map((m) => ({
    type: m.type, ...(m.type === 'volume' ? { name: m.source ?? `anon-${service}-${number}-${m.target.replaceAll('/', '_')}` } : {}),
    source: m.source ?? '', destination: m.target, readOnly: m.readOnly ?? false,
  }));
  return {
    id: o.id ?? containerId(service, number), name: o.name ?? spec.name, image: serviceImageName(project, svc),
    imageId: o.imageId ?? IMAGE_ID, labels, state: o.state ?? 'running', status: '', created: 0, ports: [],
    networks: o.networks ?? networks, mounts: o.mounts ?? mounts,
  };
}

export function deployedNetwork(project: Project, key: string, labels: Record<string, string> = {}): NetworkSummary {
  const network = project.networks[key]!;
  return {
    id: `net-${network.name}`, name: network.name, driver: network.driver ?? 'bridge', scope: 'local', internal: false,
    labels: network.external ? labels : { ...networkLabels(project, key, network), ...labels }, created: 0,
  };
}

export function deployedVolume(project: Project, key: string, labels: Record<string, string> = {}): VolumeSummary {
  const volume = project.volumes[key]!;
  return {
    name: volume.name, driver: volume.driver ?? 'local', mountpoint: `/var/lib/volumes/${volume.name}`,
    labels: volume.external ? labels : { ...volumeLabels(project, key, volume), ...labels }, options: {}, scope: 'local',
  };
}

/** Everything `up` of `project` leaves: every replica running, networks, volumes, images present. */
export function deployed(project: Project, overrides: Record<string, ContainerOverrides> = {}): ObservedState {
  const state = emptyObservedState(project.name);
  for (const service of Object.values(project.services)) {
    const scale = service.scale ?? 1;
    for (let n = 1; n <= scale; n++) {
      state.containers.push(deployedContainer(project, service.name, n, overrides[`${service.name}:${n}`]));
    }
    state.imageIds[serviceImageName(project, service)] = IMAGE_ID;
  }
  state.networks = Object.keys(project.networks).map((k) => deployedNetwork(project, k));
  state.volumes = Object.keys(project.volumes).map((k) => deployedVolume(project, k));
  return state;
}

/** Nothing deployed, but the images are present locally. */
export function imagesOnly(project: Project): ObservedState {
  const state = emptyObservedState(project.name);
  for (const service of Object.values(project.services)) state.imageIds[serviceImageName(project, service)] = IMAGE_ID;
  return state;
}

export function text(plan: Plan): string {
  return renderPlanText(plan);
}

export function lines(...l: string[]): string {
  return l.join('\n');
}

export { Label };
