import type { ContainerStatus } from '../../api/ps.js';
import type { GlobalOptions } from '../options.js';
import { FlotillaError } from '../../errors.js';
import { CONTAINER_STATES } from '../commands/ps.js';
import { projectOptions } from './common.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  format: 'table' | 'json';
  trunc?: boolean;
  filter?: string[];
}

/** `--filter status=X` is `--status X`, the only property Docker Compose filters on. */
export function statusFilters(filters: string[]): string[] {
  return filters.map((filter) => {
    const match = /^status=(.*)$/.exec(filter);
    if (!match) throw new FlotillaError(`invalid filter "${filter}"`, { hint: 'the only filter is status=<status>' });
    if (!CONTAINER_STATES.includes(match[1]!)) {
      throw new FlotillaError(`invalid status "${match[1]}" in filter "${filter}"`, { hint: `one of ${CONTAINER_STATES.join(', ')}` });
    }
    return match[1]!;
  });
}

export async function runPs(services: string[], flags: GlobalOptions & PsFlags): Promise<void> {
  const status = [...flags.status, ...statusFilters(flags.filter ?? [])];
  const { ps } = await import('../../api/commands.js');
  const rows = await ps({ ...projectOptions(flags), services, all: flags.all, status });
  process.stdout.write(renderPs(rows, flags));
}

export function renderPs(rows: ContainerStatus[], flags: Pick<PsFlags, 'quiet' | 'services' | 'format' | 'trunc'>, now = Date.now()): string {
  const truncate = flags.trunc !== false;
  if (flags.quiet) return rows.map((r) => `${r.id}\n`).join('');
  if (flags.services) return [...new Set(rows.map((r) => r.service))].map((s) => `${s}\n`).join('');
  if (flags.format === 'json') return rows.map((r) => JSON.stringify(composeJson(r, truncate, now)) + '\n').join('');
  const table = [
    ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
    ...rows.map((r) => [r.name, r.image, quoteCommand(r.command, truncate), r.service, ago(now - r.created), r.status, ports(r)]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd() + '\n').join('');
}

function quoteCommand(command: string, truncate = true): string {
  const short = truncate && command.length > 20 ? `${command.slice(0, 19)}…` : command;
  return `"${short}"`;
}

/**
 * One line of `ps --format json` with Docker Compose's keys and value forms (its ps prints one JSON object per
 * container, as the docker CLI formats a container), so that scripts reading `.State`, `.Health`, `.ExitCode` or
 * `.Publishers[].PublishedPort` work unchanged.
 */
export function composeJson(row: ContainerStatus, truncate: boolean, now: number): Record<string, unknown> {
  const volumes = row.mounts.filter((m) => m.type === 'volume');
  return {
    Command: quoteCommand(row.command, truncate),
    CreatedAt: goTime(row.created),
    ExitCode: row.exitCode,
    Health: row.health ?? '',
    ID: truncate ? row.id.slice(0, 12) : row.id,
    Image: row.image,
    Labels: Object.entries(row.labels).map(([k, v]) => `${k}=${v}`).join(','),
    LocalVolumes: String(volumes.length),
    Mounts: row.mounts.map((m) => m.name ?? m.source).join(','),
    Name: row.name,
    Names: row.name,
    Networks: row.networks.join(','),
    Ports: ports(row),
    Project: row.project,
    Publishers: row.ports.map((p) => ({ URL: p.hostIp, TargetPort: p.containerPort, PublishedPort: p.hostPort, Protocol: p.protocol })),
    RunningFor: ago(now - row.created),
    Service: row.service,
    Size: '0B',
    State: row.state,
    Status: row.status,
  };
}

/** Go's time.Time.String() in UTC, as the docker CLI prints CreatedAt. */
function goTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
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
