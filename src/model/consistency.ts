/**
 * Checks that the project holds together once loaded (the reference's checkConsistency): every reference
 * resolves (services, networks, volumes, secrets, configs, models), mutually exclusive settings are not combined,
 * and depends_on has no cycle. Each failure names the service and attribute and, when it is at one place, where.
 */
import { FlotillaError } from '../errors.js';
import type { Project, Service } from './types.js';
import type { SourcePosition, TreePath } from './tags.js';
import { serviceScale } from './types.js';

type Locate = (path: TreePath) => SourcePosition | undefined;

export function checkConsistency(project: Project, locate: Locate): void {
  const fail = (message: string, path: TreePath, hint?: string): never => {
    throw new FlotillaError(message, { position: locate(path), hint });
  };
  for (const [name, s] of Object.entries(project.services)) {
    const at = (...rest: Array<string | number>): TreePath => ['services', name, ...rest];
    if (!s.build && !s.image && !s.provider) {
      fail(`service "${name}" has neither an image nor a build context specified`, at(), 'add `image:` or `build:`');
    }
    checkBuild(project, name, s, fail, at);
    if (s.network_mode && s.networks && Object.keys(s.networks).length > 0) {
      fail(`service ${name} declares mutually exclusive \`network_mode\` and \`networks\``, at('network_mode'),
        'keep only one of them');
    }
    for (const network of Object.keys(s.networks ?? {})) {
      if (!Object.hasOwn(project.networks, network)) {
        fail(`service "${name}" refers to undefined network ${network}`, at('networks', network),
          `declare it under the top-level \`networks:\``);
      }
    }
    const test = s.healthcheck?.test;
    if (test && test.length > 0 && !['CMD', 'CMD-SHELL', 'NONE'].includes(test[0] as string)) {
      fail(`services.${name}.healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"`, at('healthcheck', 'test'));
    }
    for (const [dependency, condition] of Object.entries(s.depends_on ?? {})) {
      if (Object.hasOwn(project.services, dependency)) continue;
      if (Object.hasOwn(project.disabled_services, dependency) && !condition.required) continue;
      const disabled = project.disabled_services[dependency];
      fail(`service "${name}" depends on undefined service "${dependency}"`, at('depends_on', dependency),
        disabled ? `it is disabled; enable one of its profiles: ${(disabled.profiles ?? []).join(', ')}` : undefined);
    }
    if (s.network_mode?.startsWith('service:')) {
      const target = s.network_mode.slice('service:'.length);
      if (!Object.hasOwn(project.services, target) && !Object.hasOwn(project.disabled_services, target)) {
        fail(`service "${target}" not found for network_mode 'service:${target}'`, at('network_mode'));
      }
    }
    s.volumes?.forEach((volume, i) => {
      if (volume.type === 'volume' && volume.source && !Object.hasOwn(project.volumes, volume.source)) {
        fail(`service "${name}" refers to undefined volume ${volume.source}`, at('volumes', i),
          `declare it under the top-level \`volumes:\``);
      }
    });
    s.build?.secrets?.forEach((secret, i) => {
      if (!Object.hasOwn(project.secrets, secret.source)) {
        fail(`service "${name}" refers to undefined build secret ${secret.source}`, at('build', 'secrets', i));
      }
    });
    s.configs?.forEach((config, i) => {
      if (!Object.hasOwn(project.configs, config.source)) {
        fail(`service "${name}" refers to undefined config ${config.source}`, at('configs', i),
          'declare it under the top-level `configs:`');
      }
    });
    for (const model of Object.keys(s.models ?? {})) {
      if (!project.models || !Object.hasOwn(project.models, model)) {
        fail(`service "${name}" refers to undefined model ${model}`, at('models', model));
      }
    }
    s.secrets?.forEach((secret, i) => {
      if (!Object.hasOwn(project.secrets, secret.source)) {
        fail(`service "${name}" refers to undefined secret ${secret.source}`, at('secrets', i),
          'declare it under the top-level `secrets:`');
      }
    });
    checkScale(name, s, fail, at);
    checkMounts(name, s, fail, at);
  }
  for (const [key, secret] of Object.entries(project.secrets)) {
    if (!secret.external && !secret.file && !secret.environment && secret.content === undefined) {
      fail(`secret "${key}" must declare either \`file\` or \`environment\``, ['secrets', key]);
    }
  }
  checkCycles(project, locate);
}

type Fail = (message: string, path: TreePath, hint?: string) => never;
type At = (...rest: Array<string | number>) => TreePath;

function checkBuild(project: Project, name: string, s: Service, fail: Fail, at: At): void {
  const build = s.build;
  if (!build) return;
  if (build.dockerfile_inline && build.dockerfile) {
    fail(`service "${name}" declares mutualy exclusive dockerfile and dockerfile_inline`, at('build'));
  }
  for (const [context, value] of Object.entries(build.additional_contexts ?? {})) {
    if (!value.startsWith('service:')) continue;
    const target = project.services[value.slice('service:'.length)];
    if (!target) {
      fail(`service "${name}" declares unknown service "${value.slice(8)}" as additional contexts ${context}`,
        at('build', 'additional_contexts', context));
    }
    if (!target.build) {
      fail(`service "${name}" declares non-buildable service "${value.slice(8)}" as additional contexts ${context}`,
        at('build', 'additional_contexts', context));
    }
  }
  if (build.platforms && build.platforms.length > 0 && s.platform && !build.platforms.includes(s.platform)) {
    fail(`service.build.platforms MUST include service.platform "${s.platform}"`, at('platform'));
  }
}

function checkScale(name: string, s: Service, fail: Fail, at: At): void {
  const replicas = s.deploy?.replicas;
  if (s.scale !== undefined && replicas !== undefined && s.scale !== replicas) {
    fail(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas'`, at('scale'),
      'keep only one of them');
  }
  if (s.scale !== undefined && s.scale < 0) fail(`services.${name}.scale: must be greater than or equal to 0`, at('scale'));
  if (replicas !== undefined && replicas < 0) {
    fail(`services.${name}.deploy.replicas: must be greater than or equal to 0`, at('deploy', 'replicas'));
  }
  const limits = s.deploy?.resources?.limits;
  const reservations = s.deploy?.resources?.reservations;
  const distinct = (attr: string, other: string, a: number | undefined, b: number | undefined, path: TreePath) => {
    if (a !== undefined && a !== 0 && b !== undefined && a !== b) {
      fail(`services.${name}: can't set distinct values on '${attr}' and '${other}'`, path);
    }
  };
  distinct('cpus', 'deploy.resources.limits.cpus', s.cpus, limits?.cpus, at('cpus'));
  distinct('mem_limit', 'deploy.resources.limits.memory', s.mem_limit, limits?.memory, at('mem_limit'));
  distinct('mem_reservation', 'deploy.resources.reservations.memory', s.mem_reservation, reservations?.memory,
    at('mem_reservation'));
  distinct('pids_limit', 'deploy.resources.limits.pids', s.pids_limit, limits?.pids, at('pids_limit'));
  if (serviceScale(s) > 1 && s.container_name) {
    const attr = s.scale !== undefined ? 'scale' : 'deploy.replicas';
    fail(`services.${name}: can't set container_name and ${attr} as container name must be unique`,
      at('container_name'), `remove container_name or set ${attr} to 1`);
  }
}

function checkMounts(name: string, s: Service, fail: Fail, at: At): void {
  for (const watch of (s.develop as { watch?: Array<Record<string, unknown>> } | undefined)?.watch ?? []) {
    if (!watch.target && watch.action !== 'rebuild' && watch.action !== 'restart') {
      fail(`services.${name}.develop.watch: target is required for non-rebuild actions`, at('develop', 'watch'));
    }
  }
  const mounts = new Map<string, string>();
  s.tmpfs?.forEach((tmpfs, i) => {
    const location = `services.${name}.tmpfs[${i}]`;
    const path = tmpfs.split(':')[0] ?? tmpfs;
    const previous = mounts.get(path);
    if (previous) fail(`${location}: target ${path} already mounted as ${previous}`, at('tmpfs', i));
    mounts.set(path, location);
  });
  s.volumes?.forEach((volume, i) => {
    const location = `services.${name}.volumes[${i}]`;
    const previous = mounts.get(volume.target);
    if (previous) fail(`${location}: target ${volume.target} already mounted as ${previous}`, at('volumes', i));
    mounts.set(volume.target, location);
  });
}

/** depends_on must be acyclic; the first cycle in name order is reported, as the reference does. */
function checkCycles(project: Project, locate: Locate): void {
  const names = Object.keys(project.services).sort();
  const children = (name: string) =>
    Object.keys(project.services[name]?.depends_on ?? {})
      .filter((d) => Object.hasOwn(project.services, d))
      .sort();
  const safe = new Set<string>();
  const search = (path: string[]): void => {
    const current = path[path.length - 1] as string;
    if (safe.has(current)) return;
    for (const child of children(current)) {
      const index = path.indexOf(child);
      if (index >= 0) {
        const cycle = [...path.slice(index), child];
        throw new FlotillaError(`dependency cycle detected: ${cycle.join(' -> ')}`, {
          position: locate(['services', current, 'depends_on', child]),
          hint: 'remove one of these depends_on entries',
        });
      }
      search([...path, child]);
    }
    safe.add(current);
  };
  for (const name of names) search([name]);
}
