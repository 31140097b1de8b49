import type { GlobalOptions } from '../options.js';
import { withImageProgress } from '../image-progress/run.js';
import { projectOptions } from './common.js';

interface PushFlags {
  ignorePushFailures?: boolean;
  includeDeps?: boolean;
  quiet?: boolean;
}

export async function runPush(services: string[], flags: GlobalOptions & PushFlags): Promise<void> {
  const { pushProjectImages } = await import('../../images/api.js');
  await withImageProgress(flags, flags.quiet, async (hooks) => {
    await pushProjectImages({
      ...projectOptions(flags),
      services,
      ...(flags.ignorePushFailures ? { ignoreFailures: true } : {}),
      ...(flags.includeDeps ? { includeDeps: true } : {}),
      ...hooks,
    });
  });
}
