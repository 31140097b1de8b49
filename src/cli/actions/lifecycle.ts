import type { GlobalOptions } from '../options.js';
import { renderPlanText } from '../../reconcile/plan.js';
import { projectOptions, withProgress } from './common.js';

interface LifecycleFlags {
  waitLock?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  timeout?: number;
  deps?: boolean;
  force?: boolean;
  stop?: boolean;
  volumes?: boolean;
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
}

export async function runLifecycle(command: 'start' | 'stop' | 'restart' | 'rm' | 'down', services: string[],
  flags: GlobalOptions & LifecycleFlags): Promise<void> {
  const api = await import('../../api/commands.js');
  const base = { ...projectOptions(flags), services, noWaitLock: flags.waitLock === false, dryRun: flags.dryRun };
  const env = process.env;
  await withProgress(flags, async (hooks) => {
    const options = { ...base, ...hooks };
    let result;
    switch (command) {
      case 'start':
        result = await api.start({ ...options, wait: flags.wait, waitTimeoutSec: flags.waitTimeout });
        break;
      case 'stop':
        result = await api.stop({ ...options, timeoutSec: flags.timeout });
        break;
      case 'restart':
        result = await api.restart({ ...options, timeoutSec: flags.timeout, noDeps: flags.deps === false });
        break;
      case 'rm':
        result = await api.rm({ ...options, stop: flags.stop, volumes: flags.volumes, ...(flags.force ? {} : { confirm: confirmRemoval }) });
        break;
      case 'down':
        result = await api.down({
          ...options, volumes: flags.volumes, rmi: flags.rmi, timeoutSec: flags.timeout,
          removeOrphans: flags.removeOrphans ?? (env.COMPOSE_REMOVE_ORPHANS === '1' || env.COMPOSE_REMOVE_ORPHANS === 'true'),
        });
        break;
    }
    if (flags.dryRun) process.stdout.write(renderPlanText(result.plan) + '\n');
  });
}

/**
 * `rm` without `-f`, as Docker Compose asks: the containers, then "Are you sure? [yN]" answered by a line of
 * standard input. No answer (no input, end of input) is no: a script that means it passes -f.
 */
async function confirmRemoval(containers: string[]): Promise<boolean> {
  if (containers.length === 0) {
    process.stderr.write('No stopped containers\n');
    return false;
  }
  process.stderr.write(`Going to remove ${containers.join(', ')}\n`);
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
  const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([prompt.question('Are you sure? [yN] '), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
