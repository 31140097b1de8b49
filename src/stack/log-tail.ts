/** The last lines a container wrote, for error messages: a failed start should show why without another command. */
import type { Engine } from '../engine/types.js';
import { splitLines } from '../api/log-lines.js';

/** How many lines an error carries by default. */
export const ERROR_LOG_LINES = 20;

/** The container's last `count` lines (stdout and stderr, in order), as text; empty when it cannot be read. */
export async function lastLogLines(engine: Engine, containerId: string, count = ERROR_LOG_LINES): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const line of splitLines(engine.containerLogs(containerId, { tail: count, stdout: true, stderr: true }), containerId)) {
      lines.push(line.text.toString('utf8'));
    }
  } catch {
    // the container may be gone already: an error without its logs still names the service
  }
  return lines.slice(-count);
}
