/** `flotilla reap`: find ephemeral stacks whose owner died and remove everything that carries their project label. */
import type { GlobalOptions } from '../options.js';

interface ReapFlags {
  format: 'table' | 'json';
}

/** Removes (with the global --dry-run: lists) stale ephemeral stacks and prints one line per stack. */
export async function runReap(flags: GlobalOptions & ReapFlags): Promise<void> {
  const { createEngine } = await import('../../engine/select.js');
  const { reapStaleStacks } = await import('../../stack/reaper.js');
  const engine = await createEngine({ engine: flags.engine });
  try {
    const reaped = await reapStaleStacks(engine, { dryRun: flags.dryRun });
    if (flags.format === 'json') {
      for (const stack of reaped) process.stdout.write(JSON.stringify(stack) + '\n');
      return;
    }
    if (reaped.length === 0) {
      process.stdout.write('no stale ephemeral stacks\n');
      return;
    }
    for (const { project, owner, removed } of reaped) {
      const what = removed
        ? `removed ${removed.containers.length} containers, ${removed.networks.length} networks, ${removed.volumes.length} volumes`
        : 'would be removed';
      process.stdout.write(`${project} (owner pid ${owner.pid} on ${owner.host} is gone): ${what}\n`);
    }
  } finally {
    await engine.close();
  }
}
