/**
 * What lets many copies of one compose file run side by side, and be found again after their owner died:
 * a unique project name per stack, and the `dev.flotilla.ephemeral=<owner pid>@<host>` label on everything the
 * stack creates. Ports need nothing here: a port given as `"80"` is published on a port the engine picks.
 *
 * The label goes in through a small extra compose file (JSON, which is YAML) merged after the user's files: the API
 * has no hook for extra labels, and a file keeps `up`, `plan` and `down` seeing the very same project.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Label } from '../reconcile/labels.js';
import type { Project } from '../model/types.js';
import { normalizeProjectName } from '../model/project-name.js';
import { isProcessAlive } from './process-alive.js';

/** The label that marks a stack as ephemeral and names its owner process. */
export const EPHEMERAL_LABEL = Label.flotillaEphemeral;

/** `<base>-<6 random characters>`: unique per stack, still recognisable in `docker ps`. */
export function autoProjectName(base: string): string {
  const suffix = randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 6).padEnd(6, '0');
  const prefix = normalizeProjectName(base).slice(0, 40) || 'stack';
  return `${prefix}-${suffix}`;
}

/** Who owns an ephemeral stack. */
export interface EphemeralOwner {
  pid: number;
  host: string;
}

/** `<pid>@<host>`, the value of the ephemeral label. */
export function ephemeralLabelValue(owner: EphemeralOwner = { pid: process.pid, host: hostname() }): string {
  return `${owner.pid}@${owner.host}`;
}

/** Parses `<pid>@<host>`; undefined when the value is not one. */
export function parseEphemeralLabel(value: string | undefined): EphemeralOwner | undefined {
  const match = /^(\d+)@(.+)$/.exec(value ?? '');
  if (!match) return undefined;
  return { pid: Number(match[1]), host: match[2]! };
}

/**
 * Whether the owner is known to be gone: on this host, and its pid no longer names a live process. A zombie counts
 * as gone (it has died; only its parent has not collected it yet). Owners on other hosts are never judged.
 */
export function isOwnerGone(owner: EphemeralOwner, localHost = hostname()): boolean {
  if (owner.host !== localHost) return false;
  return !isProcessAlive(owner.pid);
}

/** The extra compose file that labels a stack's services, networks and volumes; `remove()` deletes it. */
export interface LabelOverride {
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes the compose file that adds `labels` to every service (disabled ones too: a profile may enable them later),
 * and to every network and volume the project would create (external ones are not ours to label).
 */
export async function writeLabelOverride(project: Project, labels: Record<string, string>): Promise<LabelOverride> {
  const services: Record<string, { labels: Record<string, string> }> = {};
  for (const name of [...Object.keys(project.services), ...Object.keys(project.disabled_services)]) services[name] = { labels };
  const networks: Record<string, { labels: Record<string, string> }> = {};
  for (const [key, network] of Object.entries(project.networks)) if (!network.external) networks[key] = { labels };
  const volumes: Record<string, { labels: Record<string, string> }> = {};
  for (const [key, volume] of Object.entries(project.volumes)) if (!volume.external) volumes[key] = { labels };
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-stack-'));
  const path = join(dir, 'compose.ephemeral.yaml');
  const content: Record<string, unknown> = { services };
  if (Object.keys(networks).length > 0) content.networks = networks;
  if (Object.keys(volumes).length > 0) content.volumes = volumes;
  await writeFile(path, JSON.stringify(content, null, 2) + '\n');
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
