/**
 * Attaching to a container: its output from now on (read from the log the supervisor writes) until the
 * container's next exit, and, for a container created with stdin open, a writer into its stdin fifo.
 */
import { createWriteStream } from 'node:fs';
import type { AttachOptions, AttachSession } from '../../types.js';
import { runOk } from '../command.js';
import { exists } from '../state/files.js';
import { isLive } from './lifecycle.js';
import { readLogs } from './logs.js';
import type { ContainerRecord } from './record.js';
import type { ContainerStore } from './store.js';

export async function openAttach(containers: ContainerStore, record: ContainerRecord, options: AttachOptions): Promise<AttachSession> {
  const files = containers.files(record.id);
  const first = await containers.observe(record);
  const exitsAtAttach = first.runtime.exits;
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  // Done once the container has exited after we attached (a created container must start and stop first).
  const control = {
    finished: async () => {
      const o = await containers.observe(record);
      return o.runtime.exits > exitsAtAttach && !isLive(o);
    },
  };
  const output = readLogs(files.log, { follow: true, fromEnd: options.streamOnly !== false, signal }, control);
  let stdin: ReturnType<typeof createWriteStream> | undefined;
  if (options.stdin && record.spec.stdinOpen) {
    if (!(await exists(files.stdinFifo))) await runOk('mkfifo', ['-m', '600', files.stdinFifo]);
    // Opening a fifo for writing waits for its reader: the supervisor holds it open while the container runs.
    stdin = createWriteStream(files.stdinFifo, { flags: 'w' });
    stdin.on('error', () => undefined);
    // Without stdinOnce, ending our stdin ends this attachment only; the container keeps its stdin.
    if (!record.spec.stdinOnce) stdin.on('finish', () => controller.abort());
  }
  return {
    output,
    ...(stdin ? { stdin } : {}),
    async close() {
      controller.abort();
      stdin?.destroy();
    },
  };
}
