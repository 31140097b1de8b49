import type { ContainerStatus } from '../../api/ps.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  format: 'table' | 'json';
}

export async function runPs(services: string[], flags: GlobalOptions & PsFlags): Promise<void> {
  const { ps } = await import('../../api/commands.js');
  const rows = await ps({ ...projectOptions(flags), services, all: flags.all, status: flags.status });
  process.stdout.write(renderPs(rows, flags));
}

export function renderPs(rows: ContainerStatus[], flags: Pick<PsFlags, 'quiet' | 'services' | 'format'>): string {
  if (flags.quiet) return rows.map((r) => `${r.id}\n`).join('');
  if (flags.services) return [...new Set(rows.map((r) => r.service))].map((s) => `${s}\n`).join('');
  if (flags.format === 'json') return rows.map((r) => JSON.stringify(r) + '\n').join('');
  const now = Date.now();
  const table = [
    ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
    ...rows.map((r) => [r.name, r.image, quoteCommand(r.command), r.service, ago(now - r.created), r.status, ports(r)]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n').join('');
}

function quoteCommand(command: string): string {
  const short = command.length > 20 ? `${command.slice(0, 19)}…` : command;
  return `"${short}"`;
}

function ports(row: ContainerStatus): string {
  return row.ports
    .map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort ? `${p.hostPort}->` : ''}${p.containerPort}/${p.protocol}`)
    .join(', ');
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} seconds ago`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute ago' : `${m} minutes ago`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour ago' : `${h} hours ago`;
  return `${Math.round(h / 24)} days ago`;
}
