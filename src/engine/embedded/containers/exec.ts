/**
 * Processes started in a running container with `runc exec --process <json>`: the container's own process
 * settings (capabilities, rlimits, env) with the caller's command, env, user and working directory on top.
 * TTY execs are run without a terminal.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ExecOptions, ExecSession, OutputChunk } from '../../types.js';
import { capabilitySet } from '../runtime/capabilities.js';
import type { Runc } from '../runtime/runc.js';
import type { OciConfig } from '../runtime/spec.js';
import { mergeEnv } from '../runtime/spec.js';
import { resolveUser } from '../runtime/user.js';
import { readJson } from '../state/files.js';
import type { ContainerFiles } from '../state/paths.js';
import type { ContainerRecord } from './record.js';

/** A minimal async queue: producers push, the consumer iterates until end. */
export class ChunkQueue implements AsyncIterable<OutputChunk> {
  private items: OutputChunk[] = [];
  private waiting?: () => void;
  private ended = false;

  push(chunk: OutputChunk): void {
    this.items.push(chunk);
    this.waiting?.();
  }

  end(): void {
    this.ended = true;
    this.waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputChunk> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = undefined;
    }
  }
}

function envValue(env: string[], key: string): string | undefined {
  return env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}

export async function execInContainer(
  runc: Runc,
  record: ContainerRecord,
  files: ContainerFiles,
  options: ExecOptions,
): Promise<ExecSession> {
  const oci = await readJson<OciConfig>(files.ociConfig);
  if (!oci) throw new Error(`container ${record.name} has no runtime config`);
  const user = options.user
    ? await resolveUser(files.rootfs, options.user)
    : { ...oci.process.user, additionalGids: oci.process.user.additionalGids ?? [], home: envValue(oci.process.env, 'HOME') ?? '/' };
  const caps = options.privileged ? capabilitySet({ privileged: true }) : oci.process.capabilities.bounding;
  const env = mergeEnv(oci.process.env, options.env ?? [], {
    hostname: record.config.hostname,
    home: user.home,
  });
  const processSpec = {
    ...oci.process,
    terminal: false,
    args: options.cmd,
    env,
    cwd: options.workingDir || oci.process.cwd,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    capabilities: { bounding: caps, effective: caps, permitted: caps },
  };
  const processFile = join(files.dir, `exec-${randomBytes(6).toString('hex')}.json`);
  await fs.writeFile(processFile, JSON.stringify(processSpec));
  const child = spawn(runc.binary, runc.execArgs(record.id, processFile), {
    stdio: [options.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const queue = new ChunkQueue();
  child.stdout!.on('data', (data: Buffer) => queue.push({ stream: 'stdout', data }));
  child.stderr!.on('data', (data: Buffer) => queue.push({ stream: 'stderr', data }));
  if (options.stdin !== undefined && child.stdin) {
    child.stdin.on('error', () => undefined); // the process may exit without reading everything
    const input = options.stdin;
    if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else (input as Readable).pipe(child.stdin);
  }
  const onAbort = () => child.kill('SIGTERM'); // runc forwards the signal to the process
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exitCode = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      void fs.rm(processFile, { force: true });
      queue.end();
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 128 + 15));
    });
  });
  return { output: queue, exitCode };
}
