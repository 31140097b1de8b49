/**
 * The `pull` and `push` commands over a project, as Docker Compose runs them: which services take part, what is
 * skipped and why, and which failures are errors.
 * - pull: services with an `image:`; `never` and `build` policies are skipped; a failure is a warning for a
 *   service that can be built (and with `ignoreFailures`), else an error raised once every pull has ended.
 * - push: services that build an image and name it (`image:`), with their `build.tags`; a built image without a
 *   name is skipped with a warning, as it exists nowhere but here.
 */
import type { Engine } from '../engine/types.js';
import type { Project, Service } from '../model/types.js';
import { serviceImageName } from '../reconcile/names.js';
import { RegistryCredentials } from './auth.js';
import { localImageIds } from './ensure.js';
import { ImageTransferError } from './errors.js';
import type { ImageEventListener } from './events.js';
import { decideImageAction, PullPolicyError } from './pull-policy.js';
import { PullState, pullStatePath } from './pull-state.js';
import { pullImages, type PullTarget } from './pull.js';
import { pushImages, type PushTarget } from './push.js';
import { isLatestTag } from './reference.js';

interface CommonOptions {
  /** Services named on the command line; default all. */
  services?: string[];
  /** Also the services those depend on (`--include-deps`). */
  includeDeps?: boolean;
  /** Failures become warnings (`--ignore-pull-failures`, `--ignore-push-failures`). */
  ignoreFailures?: boolean;
  onEvent?: ImageEventListener;
  signal?: AbortSignal;
  parallel?: number;
  env?: NodeJS.ProcessEnv;
  credentials?: RegistryCredentials;
}

export interface ProjectPullOptions extends CommonOptions {
  /** `--policy`: overrides each service's pull_policy. */
  policy?: 'missing' | 'always';
  /** `--ignore-buildable`: leave services with a build section alone. */
  ignoreBuildable?: boolean;
  pullStateFile?: string;
}

export interface TransferReport {
  /** References pulled or pushed. */
  done: string[];
  skipped: Array<{ service: string; image: string; reason: string }>;
  warnings: string[];
}

export async function pullProject(project: Project, engine: Engine, options: ProjectPullOptions = {}): Promise<TransferReport> {
  const services = selectServices(project, options.services, options.includeDeps);
  const report: TransferReport = { done: [], skipped: [], warnings: [] };
  const refs = services.filter((s) => s.image !== undefined).map((s) => serviceImageName(project, s));
  const localIds = await localImageIds(engine, [...new Set(refs)]);
  const targets = new Map<string, PullTarget & { buildable: boolean }>();
  for (const service of services) {
    const image = serviceImageName(project, service);
    const skip = (reason: string): void => {
      report.skipped.push({ service: service.name, image, reason });
      options.onEvent?.({ type: 'skipped', operation: 'pull', service: service.name, image, reason, time: Date.now() });
    };
    if (options.ignoreBuildable && service.build) {
      skip('buildable (--ignore-buildable)');
      continue;
    }
    let decision;
    try {
      decision = decideImageAction({
        ...(options.policy ?? service.pull_policy ? { policy: options.policy ?? service.pull_policy } : {}),
        ...(service.pull_refresh_after !== undefined ? { refreshAfter: service.pull_refresh_after } : {}),
        buildable: service.build !== undefined, hasImageName: service.image !== undefined,
        present: localIds.has(image), now: Date.now(), command: 'pull', latestTag: isLatestTag(image),
      });
    } catch (error) {
      if (error instanceof PullPolicyError) throw new ImageTransferError('pull', [{ image, service: service.name, error }]);
      throw error;
    }
    if (decision.action !== 'pull') {
      skip(decision.reason);
      continue;
    }
    const target = targets.get(image) ?? { image, services: [], reason: decision.reason, buildable: true,
      ...(service.platform ? { platform: service.platform } : {}) };
    target.services.push(service.name);
    target.buildable &&= service.build !== undefined;
    targets.set(image, target);
  }
  if (targets.size === 0) return report;

  const info = await engine.info();
  const state = new PullState(options.pullStateFile ?? pullStatePath(options.env), `${info.kind}:${info.endpoint}`);
  const outcome = await pullImages(engine, [...targets.values()], { ...transferOptions(options), state });
  report.done = outcome.pulled.map((p) => p.image);
  const fatal = outcome.failed.filter((f) => !options.ignoreFailures && !targets.get(f.image)!.buildable);
  for (const failed of outcome.failed) {
    if (fatal.includes(failed)) continue;
    warn(report, options, 'pull', failed.services[0]!, failed.image,
      `pull of ${failed.image} failed: ${failed.error.message.split('\n')[0]}`);
  }
  if (fatal.length > 0) throw new ImageTransferError('pull', fatal.map((f) => ({ image: f.image, service: f.services[0]!, error: f.error })));
  return report;
}

export type ProjectPushOptions = CommonOptions;

export async function pushProject(project: Project, engine: Engine, options: ProjectPushOptions = {}): Promise<TransferReport> {
  const report: TransferReport = { done: [], skipped: [], warnings: [] };
  const targets: PushTarget[] = [];
  const seen = new Set<string>();
  for (const service of selectServices(project, options.services, options.includeDeps)) {
    const image = serviceImageName(project, service);
    if (!service.build) {
      report.skipped.push({ service: service.name, image, reason: 'not built by the project' });
      options.onEvent?.({ type: 'skipped', operation: 'push', service: service.name, image, reason: 'not built by the project', time: Date.now() });
      continue;
    }
    if (service.image === undefined) {
      warn(report, options, 'push', service.name, image, `service "${service.name}" has no image: attribute, its image is not pushed`);
      report.skipped.push({ service: service.name, image, reason: 'no image: attribute' });
      continue;
    }
    for (const ref of [service.image, ...(service.build.tags ?? [])]) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      targets.push({ image: ref, service: service.name });
    }
  }
  const outcome = await pushImages(engine, targets, transferOptions(options));
  report.done = outcome.pushed.map((p) => p.image);
  if (outcome.failed.length > 0 && !options.ignoreFailures) {
    throw new ImageTransferError('push', outcome.failed.map((f) => ({ image: f.image, service: f.service, error: f.error })));
  }
  for (const failed of outcome.failed) {
    warn(report, options, 'push', failed.service, failed.image, `push of ${failed.image} failed: ${failed.error.message.split('\n')[0]}`);
  }
  return report;
}

/** The named services (default all), with what they depend on when asked, in name order. */
export function selectServices(project: Project, names?: string[], includeDeps?: boolean): Service[] {
  const selected = new Set(names && names.length > 0 ? names : Object.keys(project.services));
  if (includeDeps) {
    const queue = [...selected];
    while (queue.length > 0) {
      for (const dep of Object.keys(project.services[queue.shift()!]?.depends_on ?? {})) {
        if (!selected.has(dep)) {
          selected.add(dep);
          queue.push(dep);
        }
      }
    }
  }
  return [...selected].sort().map((name) => {
    const service = project.services[name];
    if (!service) throw new ImageTransferError('pull', [{ image: '', service: name, error: new Error(`no such service: ${name}`) }]);
    return service;
  });
}

function transferOptions(options: CommonOptions): { onEvent?: ImageEventListener; signal?: AbortSignal; parallel?: number;
  env?: NodeJS.ProcessEnv; credentials?: RegistryCredentials } {
  return {
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

function warn(report: TransferReport, options: CommonOptions, operation: 'pull' | 'push', service: string, image: string, message: string): void {
  report.warnings.push(message);
  options.onEvent?.({ type: 'warning', operation, service, image, message, time: Date.now() });
}
