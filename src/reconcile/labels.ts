/**
 * Labels on everything Flotilla creates. The `com.docker.compose.*` ones are Docker Compose's, so that its tools
 * (and ours) see the same stacks; `dev.flotilla.*` hold what only Flotilla needs.
 */
import type { Network, Project, Service, Volume } from '../model/types.js';
import { canonicalJson, serviceConfigHash, serviceContainerConfig } from '../model/hash.js';
import { createHash } from 'node:crypto';

export const Label = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
  slug: 'com.docker.compose.slug',
  /** The canonical JSON of serviceContainerConfig (base64), so a later run can explain a change field by field. */
  flotillaConfig: 'dev.flotilla.config',
  /** Reserved: containers that a later run may remove without asking (one-off helpers). */
  flotillaEphemeral: 'dev.flotilla.ephemeral',
} as const;

/** Written in the `com.docker.compose.version` label: the Compose release whose labels we follow. */
export const COMPOSE_LABEL_VERSION = '2.40.0';

export interface LabelContext {
  /** The `com.docker.compose.version` value. */
  version?: string;
  /** `--env-file` paths given on the command line. */
  environmentFiles?: string[];
}

export interface ContainerLabelInput {
  project: Project;
  service: Service;
  number: number;
  /** Image id the container is created from (the `com.docker.compose.image` label), when known. */
  imageId?: string;
  /** Name of the container this one replaces. */
  replaces?: string;
  oneoff?: { slug: string };
  context?: LabelContext;
}

/** Encodes the service config for the `dev.flotilla.config` label. */
export function encodeConfigLabel(service: Service): string {
  return Buffer.from(canonicalJson(serviceContainerConfig(service)), 'utf8').toString('base64');
}

/** The config stored in a `dev.flotilla.config` label, or undefined when absent or unreadable. Accepts plain JSON. */
export function decodeConfigLabel(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  const text = value.trimStart().startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `dep:condition:restart` joined by `,` as Docker Compose writes it, so stop/down work without the file. */
export function dependsOnLabel(service: Service): string {
  return Object.entries(service.depends_on ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dep, d]) => `${dep}:${d.condition}:${d.restart}`)
    .join(',');
}

/** Parses the depends_on label back (entries that do not parse are skipped). */
export function parseDependsOnLabel(value: string | undefined): Record<string, { condition: string; restart: boolean }> {
  const out: Record<string, { condition: string; restart: boolean }> = {};
  for (const entry of (value ?? '').split(',')) {
    const [dep, condition, restart] = entry.split(':');
    if (!dep) continue;
    out[dep] = { condition: condition || 'service_started', restart: restart === 'true' };
  }
  return out;
}

/** User labels first, then ours (ours win: they are what later runs rely on). */
export function containerLabels(input: ContainerLabelInput): Record<string, string> {
  const { project, service, context } = input;
  const labels: Record<string, string> = { ...(service.labels ?? {}) };
  labels[Label.project] = project.name;
  labels[Label.service] = service.name;
  labels[Label.oneoff] = input.oneoff ? 'True' : 'False';
  if (input.oneoff) labels[Label.slug] = input.oneoff.slug;
  else labels[Label.containerNumber] = String(input.number);
  labels[Label.configHash] = serviceConfigHash(service);
  labels[Label.flotillaConfig] = encodeConfigLabel(service);
  labels[Label.workingDir] = project.working_dir;
  labels[Label.configFiles] = project.compose_files.join(',');
  if (context?.environmentFiles && context.environmentFiles.length > 0) {
    labels[Label.environmentFile] = context.environmentFiles.join(',');
  }
  labels[Label.dependsOn] = dependsOnLabel(service);
  if (input.imageId) labels[Label.image] = input.imageId;
  labels[Label.version] = context?.version ?? COMPOSE_LABEL_VERSION;
  if (input.replaces) labels[Label.replace] = input.replaces;
  return labels;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hash of a network's config: what the `config-hash` label of a network holds. `external` and `x-*` left out. */
export function networkConfigHash(network: Network): string {
  const { extensions: _ext, external: _external, ...config } = network;
  return sha256(canonicalJson(config));
}

/** Hash of a volume's config; the driver defaults to `local` so an explicit `driver: local` changes nothing. */
export function volumeConfigHash(volume: Volume): string {
  const { extensions: _ext, external: _external, ...config } = volume;
  return sha256(canonicalJson({ ...config, driver: config.driver ?? 'local' }));
}

export function networkLabels(project: Project, key: string, network: Network, context?: LabelContext): Record<string, string> {
  return {
    ...(network.labels ?? {}),
    [Label.project]: project.name,
    [Label.network]: key,
    [Label.configHash]: networkConfigHash(network),
    [Label.flotillaConfig]: Buffer.from(canonicalJson(stripNetwork(network)), 'utf8').toString('base64'),
    [Label.version]: context?.version ?? COMPOSE_LABEL_VERSION,
  };
}

export function volumeLabels(project: Project, key: string, volume: Volume, context?: LabelContext): Record<string, string> {
  return {
    ...(volume.labels ?? {}),
    [Label.project]: project.name,
    [Label.volume]: key,
    [Label.configHash]: volumeConfigHash(volume),
    [Label.flotillaConfig]: Buffer.from(canonicalJson(stripVolume(volume)), 'utf8').toString('base64'),
    [Label.version]: context?.version ?? COMPOSE_LABEL_VERSION,
  };
}

/** The network config a hash covers (for the field diff of a drift error). */
export function stripNetwork(network: Network): Record<string, unknown> {
  const { extensions: _ext, external: _external, ...config } = network;
  return config;
}

export function stripVolume(volume: Volume): Record<string, unknown> {
  const { extensions: _ext, external: _external, ...config } = volume;
  return { ...config, driver: config.driver ?? 'local' };
}
