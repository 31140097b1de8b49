import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { withTerminal } from './exec.js';

interface AttachFlags {
  detachKeys: string;
  index?: number;
  stdin: boolean;
}

/** Returns the container's exit code when it stopped, 0 when detached. */
export async function runAttach(service: string, flags: GlobalOptions & AttachFlags): Promise<number> {
  const { attachToService } = await import('../../api/attach.js');
  const tty = flags.stdin && process.stdin.isTTY === true;
  const result = await withTerminal(tty, flags.stdin, () => attachToService({
    ...projectOptions(flags), service, index: flags.index, noStdin: !flags.stdin, detachKeys: flags.detachKeys,
    ...(flags.stdin ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr,
  }));
  return result.detached ? 0 : result.exitCode;
}
