/**
 * A service's `build` section → what the engine is asked to build. Pure. Everything the engine's builder cannot
 * do (the Docker engine here uses the classic builder: no BuildKit session, so no secrets, SSH, extra contexts,
 * cache export or multi-platform) is refused up front with the attribute's name, so a build either runs as
 * written or does not start.
 */
import type { BuildOptions } from '../engine/types.js';
import type { BuildConfig, Project, Service } from '../model/types.js';
import { serviceImageName } from '../reconcile/names.js';
import { ImageBuildConfigError } from './errors.js';

/** Labels Docker Compose puts on the images it builds, so that `down --rmi` and other tools find them. */
export const ImageLabel = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
} as const;

export interface BuildOverrides {
  /** `build --no-cache`. */
  noCache?: boolean;
  /** `build --pull`: always try to pull newer base images. */
  pull?: boolean;
  /** `build --build-arg K=V` (or `K`, value from the environment): override the file's args. */
  buildArgs?: Record<string, string | null>;
}

export interface BuildRequest {
  service: string;
  /** The image's name: `image:` or `<project>-<service>`. */
  image: string;
  /** Absolute context directory, or a remote (Git) context as written. */
  context: string;
  dockerfile?: string;
  dockerfileInline?: string;
  /** What goes to the engine, apart from the context and the Dockerfile's path inside it. */
  options: Omit<BuildOptions, 'dockerfile' | 'onProgress' | 'signal' | 'auth'>;
  /**
   * Compose's labels (project, service), added to the Dockerfile as an instruction of its own where that gives the
   * same image (see dockerfile.ts), else to the engine's `labels`. `options.labels` holds `build.labels`, which must
   * win over the Dockerfile's own labels as they do with the engine parameter.
   */
  imageLabels: Record<string, string>;
}

/**
 * The build of one service. `env` resolves args declared without a value (`args: [GIT_COMMIT]`): the project's
 * environment first (the variables interpolation saw, .env included), then the process's.
 */
export function buildRequest(project: Project, service: Service, overrides: BuildOverrides = {},
  env: NodeJS.ProcessEnv = process.env): BuildRequest {
  const build = service.build;
  if (!build) throw new ImageBuildConfigError(`service "${service.name}" has no build section`);
  refuseUnsupported(service.name, build);
  const image = serviceImageName(project, service);
  const lookup = (key: string): string | undefined => project.environment[key] ?? env[key];

  const buildArgs: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...build.args, ...overrides.buildArgs })) {
    const resolved = value ?? lookup(key);
    // An arg with no value anywhere is left unset, so the Dockerfile's ARG default applies.
    if (resolved !== undefined) buildArgs[key] = resolved;
  }
  const platform = buildPlatform(service.name, build, service.platform);
  const imageLabels = { [ImageLabel.project]: project.name, [ImageLabel.service]: service.name };
  // Compose's labels win over the user's of the same name.
  const userLabels = Object.fromEntries(Object.entries(build.labels ?? {}).filter(([key]) => !(key in imageLabels)));
  const options: BuildRequest['options'] = {
    tags: [...new Set([image, ...(build.tags ?? [])])],
    ...(Object.keys(userLabels).length > 0 ? { labels: userLabels } : {}),
    ...(Object.keys(buildArgs).length > 0 ? { buildArgs } : {}),
    ...(build.target !== undefined ? { target: build.target } : {}),
    ...(overrides.noCache || build.no_cache ? { noCache: true } : {}),
    ...(overrides.pull || build.pull ? { pull: true } : {}),
    ...(build.cache_from && build.cache_from.length > 0 ? { cacheFrom: build.cache_from } : {}),
    ...(build.network !== undefined ? { network: build.network } : {}),
    ...(build.shm_size !== undefined ? { shmSizeBytes: build.shm_size } : {}),
    ...(build.extra_hosts && build.extra_hosts.length > 0 ? { extraHosts: build.extra_hosts.map(hostEntry) } : {}),
    ...(platform !== undefined ? { platform } : {}),
  };
  return {
    service: service.name,
    image,
    context: build.context,
    ...(build.dockerfile !== undefined ? { dockerfile: build.dockerfile } : {}),
    ...(build.dockerfile_inline !== undefined ? { dockerfileInline: build.dockerfile_inline } : {}),
    options,
    imageLabels,
  };
}

/** `--build-arg K=V` / `--build-arg K` → args (null: take the value from the environment). */
export function parseBuildArgs(values: string[]): Record<string, string | null> {
  const args: Record<string, string | null> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === 0) throw new ImageBuildConfigError(`invalid --build-arg "${value}": expected KEY=VALUE or KEY`);
    if (eq === -1) args[value] = null;
    else args[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return args;
}

const UNSUPPORTED: Array<[keyof BuildConfig, (build: BuildConfig) => boolean]> = [
  ['secrets', (b) => (b.secrets?.length ?? 0) > 0],
  ['ssh', (b) => (b.ssh?.length ?? 0) > 0],
  ['additional_contexts', (b) => Object.keys(b.additional_contexts ?? {}).length > 0],
  ['cache_to', (b) => (b.cache_to?.length ?? 0) > 0],
  ['no_cache_filter', (b) => (b.no_cache_filter?.length ?? 0) > 0],
  ['entitlements', (b) => (b.entitlements?.length ?? 0) > 0],
  ['privileged', (b) => b.privileged === true],
  ['ulimits', (b) => Object.keys(b.ulimits ?? {}).length > 0],
  ['isolation', (b) => b.isolation !== undefined && b.isolation !== 'default'],
  ['provenance', (b) => b.provenance !== undefined && b.provenance !== false && b.provenance !== 'false'],
  ['sbom', (b) => b.sbom !== undefined && b.sbom !== false && b.sbom !== 'false'],
];

function refuseUnsupported(service: string, build: BuildConfig): void {
  const asked = UNSUPPORTED.filter(([, used]) => used(build)).map(([key]) => `build.${key}`);
  if (asked.length === 0) return;
  throw new ImageBuildConfigError(
    `service "${service}": ${asked.join(', ')} ${asked.length === 1 ? 'is' : 'are'} not supported by this engine ` +
      '(the classic Docker builder, without BuildKit)',
    'remove the attribute, or build the image with docker buildx and set image: to it',
  );
}

function buildPlatform(service: string, build: BuildConfig, servicePlatform?: string): string | undefined {
  const platforms = build.platforms ?? [];
  if (platforms.length > 1) {
    throw new ImageBuildConfigError(`service "${service}": build.platforms lists ${platforms.length} platforms; ` +
      'this engine cannot store multi-platform images', 'keep one platform');
  }
  if (platforms.length === 1) {
    if (servicePlatform !== undefined && servicePlatform !== platforms[0]) {
      throw new ImageBuildConfigError(`service "${service}": build.platforms does not include the service's platform ${servicePlatform}`);
    }
    return platforms[0];
  }
  return servicePlatform;
}

/** extra_hosts in the model are `host=ip` or `host:ip`; the engine wants `host:ip`. */
function hostEntry(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : `${entry.slice(0, eq)}:${entry.slice(eq + 1)}`;
}
