/** Linux capabilities: Docker's default set (runc's own default of three breaks ping, chown, ...) and cap_add/drop. */
import { InvalidRequestError } from '../../errors.js';

export const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function normalizeCap(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return upper;
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPS.includes(cap)) throw new InvalidRequestError(`unknown capability: "${name}"`);
  return cap;
}

/** The effective capability list: defaults, minus cap_drop, plus cap_add ("ALL" allowed in both). */
export function capabilitySet(options: { privileged?: boolean; capAdd?: string[]; capDrop?: string[] }): string[] {
  if (options.privileged) return [...ALL_CAPS];
  const add = (options.capAdd ?? []).map(normalizeCap);
  const drop = (options.capDrop ?? []).map(normalizeCap);
  if (add.includes('ALL')) return ALL_CAPS.filter((c) => !drop.includes(c));
  const base = drop.includes('ALL') ? [] : DOCKER_DEFAULT_CAPS.filter((c) => !drop.includes(c));
  return [...new Set([...base, ...add])];
}
