/**
 * The image commands of the programmatic API (`build`, `pull`, `push`): load the project, open the engine, run
 * the operation, close. The CLI calls these; `src/index.ts` may re-export them.
 */
import type { ProjectOptions } from '../api/options.js';
import { loadComposeProject, openSession, withSession, type Session } from '../api/session.js';
import type { Project } from '../model/types.js';
import { buildImages, type BuiltImage } from './build.js';
import type { BuildOverrides } from './build-request.js';
import type { ImageEventListener } from './events.js';
import { pullProject, pushProject, type TransferReport } from './project-images.js';
import { timingMark } from './timing.js';

interface ImageCommandOptions extends ProjectOptions {
  /** Services named on the command line; default all. */
  services?: string[];
  /** Progress of every build, pull and push. */
  onImageEvent?: ImageEventListener;
}

/** Options of `build`: services, no-cache, pull, build args, push. */
export interface BuildCommandOptions extends ImageCommandOptions, BuildOverrides {
  /** Push the built images that have an `image:` name afterwards (`build --push`). */
  push?: boolean;
}

/** What `build` built: image name and id per service. */
export interface BuildCommandResult {
  built: BuiltImage[];
  /** With `push`: what was pushed. */
  push?: TransferReport;
}

/** Builds the images of the services with a build section (all, or the named ones). */
export async function buildProjectImages(options: BuildCommandOptions = {}): Promise<BuildCommandResult> {
  const { project, session } = await projectAndSession(options);
  try {
    const { engine } = session;
    const common = {
      ...(options.onImageEvent ? { onEvent: options.onImageEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.env ? { env: options.env } : {}),
    };
    const built = await buildImages(project, engine, {
      ...common,
      ...(options.services && options.services.length > 0 ? { services: options.services } : {}),
      ...(options.noCache ? { noCache: true } : {}),
      ...(options.pull ? { pull: true } : {}),
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
      ...(options.parallel !== undefined && options.parallel > 0 ? { parallel: options.parallel } : {}),
    });
    if (!options.push) return { built };
    const push = await pushProject(project, engine, { ...common, services: built.flatMap((b) => [b.service, ...b.alsoFor]) });
    return { built, push };
  } finally {
    await session.close();
    timingMark('engine closed');
  }
}

/**
 * The project and an engine session, opened at the same time: both are mostly module loading and file reads, which
 * overlap. A project that does not load is the error reported, whatever the engine did.
 */
async function projectAndSession(options: BuildCommandOptions): Promise<{ project: Project; session: Session }> {
  timingMark('build command');
  const opening = openSession(options).then((session) => {
    timingMark('engine open');
    return session;
  });
  // Handled here so that an engine failing while the project still loads is not an unhandled rejection.
  opening.catch(() => undefined);
  let project: Project;
  try {
    project = await loadComposeProject(options, options.services);
    timingMark('project loaded');
  } catch (error) {
    await opening.then((session) => session.close(), () => undefined);
    throw error;
  }
  return { project, session: await opening };
}

/** Options of `pull`: services, policy, dependencies, failures to ignore. */
export interface PullCommandOptions extends ImageCommandOptions {
  includeDeps?: boolean;
  ignoreFailures?: boolean;
  ignoreBuildable?: boolean;
  policy?: 'missing' | 'always';
}

/** Pulls the services' images (all, or the named ones), as `pull` does. */
export async function pullProjectImages(options: PullCommandOptions = {}): Promise<TransferReport> {
  const project = await loadComposeProject(options, options.services);
  return withSession(options, ({ engine }) => pullProject(project, engine, {
    ...(options.services ? { services: options.services } : {}),
    ...(options.includeDeps ? { includeDeps: true } : {}),
    ...(options.ignoreFailures ? { ignoreFailures: true } : {}),
    ...(options.ignoreBuildable ? { ignoreBuildable: true } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.onImageEvent ? { onEvent: options.onImageEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
  }));
}

/** Options of `push`: services, dependencies, failures to ignore. */
export interface PushCommandOptions extends ImageCommandOptions {
  includeDeps?: boolean;
  ignoreFailures?: boolean;
}

/** Pushes the images the project builds and names (all services, or the named ones). */
export async function pushProjectImages(options: PushCommandOptions = {}): Promise<TransferReport> {
  const project = await loadComposeProject(options, options.services);
  return withSession(options, ({ engine }) => pushProject(project, engine, {
    ...(options.services ? { services: options.services } : {}),
    ...(options.includeDeps ? { includeDeps: true } : {}),
    ...(options.ignoreFailures ? { ignoreFailures: true } : {}),
    ...(options.onImageEvent ? { onEvent: options.onImageEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
  }));
}
