import type { GlobalOptions } from '../options.js';
import { withImageProgress } from '../image-progress/run.js';
import { projectOptions } from './common.js';

interface PullFlags {
  ignorePullFailures?: boolean;
  includeDeps?: boolean;
  policy?: 'missing' | 'always';
  quiet?: boolean;
  ignoreBuildable?: boolean;
}

export async function runPull(services: string[], flags: GlobalOptions & PullFlags): Promise<void> {
  const { pullProjectImages } = await import('../../images/api.js');
  await withImageProgress(flags, flags.quiet, async (hooks) => {
    await pullProjectImages({
      ...projectOptions(flags),
      services,
      ...(flags.ignorePullFailures ? { ignoreFailures: true } : {}),
      ...(flags.includeDeps ? { includeDeps: true } : {}),
      ...(flags.ignoreBuildable ? { ignoreBuildable: true } : {}),
      ...(flags.policy ? { policy: flags.policy } : {}),
      ...hooks,
    });
  });
}
