/**
 * Waking up when a container's supervisor writes its state (or removes its pid file) instead of polling on a
 * fixed interval: an inotify watch on the directory (fs.watch), narrowed to the files of interest so a chatty
 * container's log appends do not wake anyone. The caller still re-checks with a timeout, so an event lost (or a
 * filesystem without inotify) costs latency, never correctness.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface DirChanges {
  /** Resolves at the next change of a watched name (at once if one came since the last call), or after ms. */
  next(ms: number): Promise<void>;
  close(): void;
}

export function watchDir(dir: string, names: string[]): DirChanges {
  let changed = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, filename) => {
      if (filename !== null && !names.includes(filename.toString())) return;
      changed = true;
      wake?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    // no watch (the directory went, inotify limits): timeouts only
  }
  return {
    next(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          changed = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        if (changed) done();
        else wake = done;
      });
    },
    close(): void {
      watcher?.close();
      wake?.();
    },
  };
}
