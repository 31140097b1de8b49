/**
 * The images of `up`/`create`: pulled and built before anything is planned, so that the plan compares the ids the
 * images have now with the ids the containers run, and recreates what a pull or a build changed.
 *
 * When every image is present and nothing asks for a pull or a build (the usual `up` with nothing to do), the
 * image code is not even loaded: the same pure decision ensureImages makes is taken here first.
 */
import type { Engine } from '../engine/types.js';
import { serviceScale, type Project } from '../model/types.js';
import { decideImageAction } from '../images/pull-policy.js';
import { serviceImageName } from '../reconcile/names.js';
import { observeProject, type ObservedState } from '../reconcile/observe.js';
import { withDependencies } from '../reconcile/order.js';
import { serviceGraph } from '../reconcile/reconcile.js';
import type { UpOptions } from './options.js';

export interface PreparedImages {
  /** The observed state, observed again when a pull or build changed an image. */
  observed: ObservedState;
  /** Image references built by this run. */
  built: Set<string>;
}

/** Pulls and builds what the selected services need (as ensureImages decides), then returns the state to plan on. */
export async function prepareImages(project: Project, engine: Engine, observed: ObservedState, options: UpOptions):
  Promise<PreparedImages> {
  const services = imageServices(project, options);
  if (!needsImageWork(project, services, observed, options)) return { observed, built: new Set() };
  const { ensureImages } = await import('../images/ensure.js');
  const result = await ensureImages(project, engine, {
    services,
    ...(options.build !== undefined ? { build: options.build } : {}),
    ...(options.pull !== undefined ? { pull: options.pull } : {}),
    ...(options.onImageEvent ? { onEvent: options.onImageEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  for (const warning of result.warnings) options.onWarning?.(warning);
  const built = new Set(result.built.map((b) => b.image));
  if (result.pulled.length === 0 && built.size === 0) return { observed, built };
  return { observed: await observeProject(engine, project), built };
}

/** The services `up` brings up (with their dependencies unless noDeps) that run an image, and are not scaled to 0. */
export function imageServices(project: Project, options: Pick<UpOptions, 'services' | 'noDeps' | 'scale'>): string[] {
  const selected = options.services && options.services.length > 0 ? options.services : Object.keys(project.services);
  const known = selected.filter((name) => project.services[name]);
  const names = options.noDeps ? new Set(known) : withDependencies(serviceGraph(project), known);
  return [...names].sort().filter((name) => {
    const service = project.services[name]!;
    if (service.provider !== undefined || (service.image === undefined && service.build === undefined)) return false;
    return (options.scale?.[name] ?? serviceScale(service)) > 0;
  });
}

/** Whether ensureImages would pull or build anything (or fail: it then says why). Time-based policies always ask it. */
function needsImageWork(project: Project, services: string[], observed: ObservedState, options: UpOptions): boolean {
  const now = Date.now();
  return services.some((name) => {
    const service = project.services[name]!;
    try {
      const policy = options.pull ?? service.pull_policy;
      return decideImageAction({
        ...(policy !== undefined ? { policy } : {}),
        ...(service.pull_refresh_after !== undefined ? { refreshAfter: service.pull_refresh_after } : {}),
        buildable: service.build !== undefined,
        hasImageName: service.image !== undefined,
        present: serviceImageName(project, service) in observed.imageIds,
        now,
        ...(options.build !== undefined ? { build: options.build } : {}),
        command: 'up',
      }).action !== 'none';
    } catch {
      return true;
    }
  });
}
