import { parseBuildArgs } from '../../images/build-request.js';
import type { GlobalOptions } from '../options.js';
import { withImageProgress } from '../image-progress/run.js';
import { projectOptions } from './common.js';

interface BuildFlags {
  /** false with --no-cache. */
  cache?: boolean;
  pull?: boolean;
  buildArg: string[];
  quiet?: boolean;
  push?: boolean;
}

export async function runBuild(services: string[], flags: GlobalOptions & BuildFlags): Promise<void> {
  const buildArgs = parseBuildArgs(flags.buildArg ?? []);
  const { buildProjectImages } = await import('../../images/api.js');
  await withImageProgress(flags, flags.quiet, async (hooks) => {
    await buildProjectImages({
      ...projectOptions(flags),
      services,
      ...(flags.cache === false ? { noCache: true } : {}),
      ...(flags.pull ? { pull: true } : {}),
      ...(Object.keys(buildArgs).length > 0 ? { buildArgs } : {}),
      ...(flags.push ? { push: true } : {}),
      ...hooks,
    });
  });
}
