/** Whether a process still runs. Its own module so that the idle reaper process loads next to nothing. */
import { existsSync, readFileSync } from 'node:fs';

const HAS_PROC = existsSync('/proc/self/stat');

/**
 * `kill(pid, 0)` succeeds (or is refused: the process exists) and the process is not a zombie: a zombie has died,
 * only its parent has not collected it yet, and a dead owner is what the reaper waits for.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true; // not Linux: kill(0) is all we know
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false; // gone between the two calls
  }
}
