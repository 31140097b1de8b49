/**
 * The ContainerSpec of a one-off (`run`) container: the service's own spec (toContainerSpec), changed the way
 * Docker Compose changes it for `run`: its own name and slug, no published ports unless asked, no restart
 * policy, no service aliases unless asked, plus the command line's overrides. Pure.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { ContainerSpec, PortBinding } from '../engine/types.js';
import { FlotillaError } from '../errors.js';
import { parsePortSpec } from '../model/port-spec.js';
import { splitShellWords } from '../model/shell-words.js';
import type { Project, Service, ServiceVolume } from '../model/types.js';
import { parseVolumeSpec } from '../model/volume-spec.js';
import { toContainerSpec } from '../reconcile/container-spec.js';
import { Label } from '../reconcile/labels.js';
import { oneOffContainerName, type NamingOptions } from '../reconcile/names.js';

/** What the `run` command line changes in the service's configuration. */
export interface OneOffOverrides {
  /** Replaces the service's command; absent or empty: the service's. */
  command?: string[];
  /** Replaces the entrypoint, split like a shell would; "" resets it. */
  entrypoint?: string;
  /** `KEY=VALUE` (or `KEY` to unset) on top of the service's environment. */
  environment?: string[];
  /** Extra `host:container` port mappings (`-p`). */
  publish?: string[];
  /** Publish the service's own ports (`--service-ports`). */
  servicePorts?: boolean;
  /** Extra volumes in the short syntax (`-v`). */
  volumes?: string[];
  /** Extra `KEY=VALUE` labels (`-l`). */
  labels?: string[];
  workingDir?: string;
  user?: string;
  /** Keep the service's network aliases (`--use-aliases`). */
  useAliases?: boolean;
  tty?: boolean;
  /** Keep stdin open and attach to it. */
  interactive?: boolean;
  /** Attach stdout/stderr (not detached). */
  attach?: boolean;
  /** The container's name; default `<project>-<service>-run-<12 hex>`. */
  name?: string;
}

/** A random slug, 64 hex characters like Docker Compose's (the name uses its first 12). */
export function newSlug(): string {
  return randomBytes(32).toString('hex');
}

export function oneOffSpec(project: Project, service: Service, overrides: OneOffOverrides, slug: string,
  naming?: NamingOptions): ContainerSpec {
  const name = overrides.name ?? oneOffContainerName(project, service, slug, naming);
  const runService: Service = {
    ...service,
    container_name: name,
    environment: { ...service.environment, ...environmentEntries(overrides.environment ?? []) },
    labels: { ...(service.labels ?? {}), ...labelEntries(overrides.labels ?? []) },
    volumes: [...(service.volumes ?? []), ...(overrides.volumes ?? []).map((v) => volumeEntry(v, project.working_dir))],
  };
  if (!overrides.servicePorts) delete runService.ports;
  delete runService.restart;
  if (runService.deploy?.restart_policy) runService.deploy = { ...runService.deploy, restart_policy: undefined };
  if (overrides.command && overrides.command.length > 0) runService.command = overrides.command;
  if (overrides.entrypoint !== undefined) runService.entrypoint = splitShellWords(overrides.entrypoint);
  if (overrides.workingDir) runService.working_dir = overrides.workingDir;
  if (overrides.user) runService.user = overrides.user;

  const spec = toContainerSpec(project, runService, 1, naming ? { naming } : {});
  spec.name = name;
  delete spec.labels[Label.containerNumber];
  spec.labels[Label.oneoff] = 'True';
  spec.labels[Label.slug] = slug;
  if (spec.networks) {
    spec.networks = spec.networks.map((attachment) => ({
      ...attachment,
      aliases: overrides.useAliases ? attachment.aliases : [name],
    }));
  }
  const published = (overrides.publish ?? []).flatMap(portBindings);
  if (published.length > 0) {
    spec.ports = [...(spec.ports ?? []), ...published];
    const exposed = new Set(spec.exposedPorts ?? []);
    for (const port of published) exposed.add(`${port.containerPort}/${port.protocol}`);
    spec.exposedPorts = [...exposed];
  }
  delete spec.restartPolicy;
  spec.tty = overrides.tty ?? false;
  spec.stdinOpen = overrides.interactive ?? false;
  spec.attachStdin = overrides.interactive ?? false;
  // As `docker run -i`: the container's stdin closes when ours ends, so `echo x | run svc cat` finishes.
  spec.stdinOnce = overrides.interactive ?? false;
  spec.attachStdout = overrides.attach ?? false;
  spec.attachStderr = overrides.attach ?? false;
  return spec;
}

function environmentEntries(entries: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) out[entry] = null;
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

function labelEntries(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    out[eq < 0 ? entry : entry.slice(0, eq)] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return out;
}

/** `-v SRC:DST[:ro]`: a bind when SRC is a path (relative to the project directory), else a named volume. */
function volumeEntry(spec: string, workingDir: string): ServiceVolume {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseVolumeSpec(spec);
  } catch (error) {
    throw new FlotillaError(`invalid volume "${spec}": ${(error as Error).message}`);
  }
  const volume = parsed as unknown as ServiceVolume;
  if (volume.type === 'bind' && volume.source) {
    const source = volume.source.startsWith('~') ? volume.source.replace(/^~/, process.env.HOME ?? '~') : volume.source;
    volume.source = isAbsolute(source) ? source : resolve(workingDir, source);
  }
  return volume;
}

function portBindings(spec: string): PortBinding[] {
  try {
    return parsePortSpec(spec).map((entry) => ({
      containerPort: entry.target,
      protocol: entry.protocol as PortBinding['protocol'],
      ...(entry.host_ip ? { hostIp: entry.host_ip } : {}),
      ...(entry.published ? { hostPort: entry.published } : {}),
    }));
  } catch (error) {
    throw new FlotillaError(`invalid port "${spec}": ${(error as Error).message}`);
  }
}
