/**
 * The kernel path of published ports: one DNAT rule per published IPv4 port, in this data root's nat chain
 * (FLT-<key>-DNAT, jumped to from PREROUTING and OUTPUT for local destinations). The port's proxy process adds
 * them once it holds the ports and removes them when it exits; their comment names the container and that
 * process, so a rule whose process is gone (killed) is recognised as stale and removed by the next publication.
 * Pure text: shared by the proxy process and the engine.
 */

export interface NatPort {
  protocol: 'tcp' | 'udp';
  /** "" for every address. */
  hostIp: string;
  hostPort: number;
  targetIp: string;
  containerPort: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const TAG_PREFIX = 'flotilla:port:';

/**
 * The destination a DNAT rule matches for a host address: undefined for every local address ("", 0.0.0.0, and
 * "::", whose dual-stack socket takes IPv4 too), the address itself for an IPv4 one, null when IPv4 NAT cannot
 * catch it (a specific IPv6 address: the proxy relays those).
 */
export function natDestination(hostIp: string): string | undefined | null {
  if (hostIp === '' || hostIp === '0.0.0.0' || hostIp === '::') return undefined;
  return IPV4.test(hostIp) ? hostIp : null;
}

/** The comment of the rules of one container's proxy process. */
export function portTag(containerId: string, pid: number): string {
  return `${TAG_PREFIX}${containerId.replace(/[^\w.-]/g, '_')}:${pid}`;
}

/** Container and process of a rule line (as `iptables -S` prints it), or undefined for any other rule. */
export function parsePortTag(line: string): { containerId: string; pid: number } | undefined {
  for (const word of line.split(/\s+/)) {
    const m = /^"?flotilla:port:([\w.-]+):(\d+)"?$/.exec(word);
    if (m) return { containerId: m[1]!, pid: Number(m[2]) };
  }
  return undefined;
}

/** The container id as it appears in tags. */
export function tagId(containerId: string): string {
  return containerId.replace(/[^\w.-]/g, '_');
}

/** The rule (chain and matches, without -A/-I/-D) for one port; undefined when NAT cannot carry it. */
export function portRule(chain: string, tag: string, port: NatPort): string | undefined {
  const dest = natDestination(port.hostIp);
  if (dest === null || !IPV4.test(port.targetIp)) return undefined;
  const d = dest === undefined ? '' : ` -d ${dest}/32`;
  const p = port.protocol;
  return `${chain}${d} -p ${p} -m ${p} --dport ${port.hostPort} -m comment --comment ${tag} -j DNAT --to-destination ${port.targetIp}:${port.containerPort}`;
}
