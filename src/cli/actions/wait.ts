import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

/** Exit code: the first container's; 42 when waiting itself failed, as Docker Compose. */
export async function runWait(services: string[], flags: GlobalOptions & { downProject?: boolean }): Promise<number> {
  const { waitForServices } = await import('../../api/wait.js');
  const { NoSuchServiceError } = await import('../../api/project-containers.js');
  try {
    return await waitForServices({
      ...projectOptions(flags), services, downProject: flags.downProject,
      onExit: (c) => process.stdout.write(`container "${c.id}" exited with status code ${c.exitCode}\n`),
    });
  } catch (error) {
    if (error instanceof NoSuchServiceError) throw error;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 42;
  }
}
