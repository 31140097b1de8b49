import type { ContainerStats } from '../../api/stats.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';
import { binarySize, humanSize, renderTable } from './output.js';

interface StatsFlags {
  all?: boolean;
  format: 'table' | 'json';
  stream: boolean;
  trunc: boolean;
}

/** One sample with --no-stream; otherwise a refreshed table (a new block per sample when not on a terminal). */
export async function runStats(services: string[], flags: GlobalOptions & StatsFlags): Promise<void> {
  const { stats } = await import('../../api/stats.js');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    do {
      const samples = await stats({ ...projectOptions(flags), services, all: flags.all });
      const text = flags.format === 'json' ? samples.map((s) => JSON.stringify(jsonRow(s, flags.trunc)) + '\n').join('')
        : renderTable([HEADER, ...samples.map((s) => tableRow(s, flags.trunc))]);
      // On a terminal, redraw in place as docker stats does.
      process.stdout.write(flags.stream && process.stdout.isTTY ? `\u001b[2J\u001b[H${text}` : text);
      if (!flags.stream) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } while (!controller.signal.aborted);
  } finally {
    process.off('SIGINT', stop);
  }
}

const HEADER = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

function cells(s: ContainerStats, trunc: boolean): Record<string, string> {
  const memPercent = s.memoryLimitBytes > 0 ? (100 * s.memoryBytes) / s.memoryLimitBytes : 0;
  return {
    ID: trunc ? s.id.slice(0, 12) : s.id, Name: s.name, CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
    MemUsage: `${binarySize(s.memoryBytes)} / ${binarySize(s.memoryLimitBytes)}`, MemPerc: `${memPercent.toFixed(2)}%`,
    NetIO: `${humanSize(s.netRxBytes)} / ${humanSize(s.netTxBytes)}`,
    BlockIO: `${humanSize(s.blockReadBytes)} / ${humanSize(s.blockWriteBytes)}`, PIDs: String(s.pids),
  };
}

function tableRow(s: ContainerStats, trunc: boolean): string[] {
  const c = cells(s, trunc);
  return [c.ID!, c.Name!, c.CPUPerc!, c.MemUsage!, c.MemPerc!, c.NetIO!, c.BlockIO!, c.PIDs!];
}

/** The fields of `docker stats --format json`. */
function jsonRow(s: ContainerStats, trunc: boolean): Record<string, string> {
  const c = cells(s, trunc);
  return { BlockIO: c.BlockIO!, CPUPerc: c.CPUPerc!, Container: c.ID!, ID: c.ID!, MemPerc: c.MemPerc!, MemUsage: c.MemUsage!,
    Name: c.Name!, NetIO: c.NetIO!, PIDs: c.PIDs! };
}
