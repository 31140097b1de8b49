/**
 * The OCI runtime (runc) with a state root private to this data root, so only our containers are listed or
 * touched. Long-running `runc run` is the supervisor's job; these are the short control calls.
 */
import { existsSync } from 'node:fs';
import { runCommand, runOk } from '../command.js';

export interface RuncState {
  id: string;
  pid: number;
  /** created | running | paused | stopped */
  status: string;
  bundle: string;
}

export function findRuntime(): string {
  const fromEnv = process.env.FLOTILLA_RUNTIME;
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'runc';
}

export class Runc {
  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  /** Global arguments every call starts with. */
  baseArgs(): string[] {
    return ['--root', this.root];
  }

  async state(id: string): Promise<RuncState | undefined> {
    const result = await runCommand(this.binary, [...this.baseArgs(), 'state', id]);
    if (result.code !== 0) return undefined;
    return JSON.parse(result.stdout) as RuncState;
  }

  async list(): Promise<RuncState[]> {
    const result = await runCommand(this.binary, [...this.baseArgs(), 'list', '--format', 'json']);
    if (result.code !== 0) return [];
    return (JSON.parse(result.stdout || 'null') as RuncState[] | null) ?? [];
  }

  /** Sends a signal; false when the container is not running (nothing to signal). */
  async kill(id: string, signal: string, all = false): Promise<boolean> {
    const args = [...this.baseArgs(), 'kill', ...(all ? ['--all'] : []), id, signal];
    const result = await runCommand(this.binary, args);
    return result.code === 0;
  }

  async delete(id: string): Promise<void> {
    await runCommand(this.binary, [...this.baseArgs(), 'delete', '--force', id]);
  }

  async pause(id: string): Promise<void> {
    await runOk(this.binary, [...this.baseArgs(), 'pause', id]);
  }

  async resume(id: string): Promise<void> {
    await runOk(this.binary, [...this.baseArgs(), 'resume', id]);
  }

  /** Host pids of every process of the container. */
  async pids(id: string): Promise<number[]> {
    const out = await runOk(this.binary, [...this.baseArgs(), 'ps', '--format', 'json', id]);
    return (JSON.parse(out || 'null') as number[] | null) ?? [];
  }

  /** Arguments of `runc exec` for a process described by a process.json file. */
  execArgs(id: string, processFile: string, pidFile?: string): string[] {
    return [...this.baseArgs(), 'exec', '--process', processFile, ...(pidFile ? ['--pid-file', pidFile] : []), id];
  }
}
