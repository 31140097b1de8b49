/** top and stats of a running container, from runc's process list and the container's cgroup files. */
import { promises as fs } from 'node:fs';
import { totalmem } from 'node:os';
import type { StatsSample, TopResult } from '../../types.js';
import { runOk } from '../command.js';
import type { Runc } from '../runtime/runc.js';

export async function top(runc: Runc, id: string, psArgs = '-ef'): Promise<TopResult> {
  const pids = new Set((await runc.pids(id)).map(String));
  const out = await runOk('ps', psArgs.split(/\s+/).filter(Boolean));
  const lines = out.split('\n').filter((l) => l.trim());
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  const pidColumn = header.indexOf('PID');
  if (pidColumn < 0) throw new Error(`ps ${psArgs} shows no PID column`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!pids.has(fields[pidColumn] ?? '')) continue;
    // The last column (the command) may contain spaces: keep it whole.
    processes.push([...fields.slice(0, header.length - 1), fields.slice(header.length - 1).join(' ')]);
  }
  return { titles: header, processes };
}

async function readNumber(path: string): Promise<number | undefined> {
  const text = await fs.readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** A cgroup file under v1 (per-controller hierarchy) or v2 (unified) layout, whichever exists. */
async function cgroupValue(cgroupPath: string, v1: [string, string], v2: string): Promise<number | undefined> {
  return (await readNumber(`/sys/fs/cgroup/${v1[0]}${cgroupPath}/${v1[1]}`)) ?? (await readNumber(`/sys/fs/cgroup${cgroupPath}/${v2}`));
}

async function cpuNanos(cgroupPath: string): Promise<number> {
  const v1 = await readNumber(`/sys/fs/cgroup/cpuacct${cgroupPath}/cpuacct.usage`);
  if (v1 !== undefined) return v1;
  const stat = await fs.readFile(`/sys/fs/cgroup${cgroupPath}/cpu.stat`, 'utf8').catch(() => '');
  const usec = /usage_usec (\d+)/.exec(stat)?.[1];
  return usec ? Number(usec) * 1000 : 0;
}

async function networkBytes(pid: number): Promise<{ rx: number; tx: number }> {
  const text = await fs.readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [, data] = line.split(':');
    if (!data) continue;
    const f = data.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

async function blockBytes(cgroupPath: string): Promise<{ read: number; write: number }> {
  const text = await fs.readFile(`/sys/fs/cgroup/blkio${cgroupPath}/blkio.throttle.io_service_bytes`, 'utf8').catch(() => '');
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.trim().split(/\s+/);
    if (op === 'Read') read += Number(value) || 0;
    if (op === 'Write') write += Number(value) || 0;
  }
  return { read, write };
}

export async function stats(cgroupPath: string, pid: number): Promise<StatsSample> {
  const before = await cpuNanos(cgroupPath);
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 100));
  const after = await cpuNanos(cgroupPath);
  const elapsed = Number(process.hrtime.bigint() - t0);
  const memory = (await cgroupValue(cgroupPath, ['memory', 'memory.usage_in_bytes'], 'memory.current')) ?? 0;
  const rawLimit = await cgroupValue(cgroupPath, ['memory', 'memory.limit_in_bytes'], 'memory.max');
  // An unlimited cgroup reports a huge number (v1) or "max" (v2): the host's memory is the real limit.
  const limit = rawLimit === undefined || rawLimit > totalmem() ? totalmem() : rawLimit;
  const net = await networkBytes(pid);
  const blk = await blockBytes(cgroupPath);
  return {
    cpuPercent: elapsed > 0 ? Math.max(0, ((after - before) / elapsed) * 100) : 0,
    memoryBytes: memory,
    memoryLimitBytes: limit,
    netRxBytes: net.rx,
    netTxBytes: net.tx,
    blockReadBytes: blk.read,
    blockWriteBytes: blk.write,
    pids: (await cgroupValue(cgroupPath, ['pids', 'pids.current'], 'pids.current')) ?? 0,
  };
}
