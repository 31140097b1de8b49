import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

interface CpFlags {
  all?: boolean;
  archive?: boolean;
  followLink?: boolean;
  index?: number;
}

export async function runCp(source: string, destination: string, flags: GlobalOptions & CpFlags): Promise<void> {
  const { copy } = await import('../../api/cp.js');
  await copy({
    ...projectOptions(flags), source, destination, all: flags.all, archive: flags.archive, followLink: flags.followLink,
    index: flags.index,
  });
}
