/**
 * The short port syntax `[[host_ip:]published:]target[/protocol]` with ranges, parsed like the engine's
 * ParsePortSpec that the reference uses: a range on both sides expands to one entry per port, a host range
 * with a single target stays one entry published on the range.
 */
import { isIP } from 'node:net';

export interface PortEntry {
  mode: 'ingress';
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

export function parsePortSpec(spec: string): PortEntry[] {
  const parts = spec.split(':');
  const n = parts.length;
  let ip = '';
  let hostPort = '';
  let containerPart = parts[n - 1] ?? '';
  if (n === 2) hostPort = parts[0] ?? '';
  else if (n === 3) [ip, hostPort] = [parts[0] ?? '', parts[1] ?? ''];
  else if (n > 3) [ip, hostPort] = [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? ''];

  let protocol = 'tcp';
  const slash = containerPart.indexOf('/');
  if (slash >= 0) {
    protocol = containerPart.slice(slash + 1);
    containerPart = containerPart.slice(0, slash);
  }
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new Error(`invalid IP address ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) throw new Error(`invalid IP address: ${ip}`);
  if (containerPart === '') throw new Error(`no port specified: ${spec}<empty>`);
  const [start, end] = parseRange(containerPart, `invalid containerPort: ${containerPart}`);
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') [hostStart, hostEnd] = parseRange(hostPort, `invalid hostPort: ${hostPort}`);
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new Error(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPort}`);
  }
  if (!['tcp', 'udp', 'sctp'].includes(protocol.toLowerCase())) throw new Error(`invalid proto: ${protocol}`);

  const entries: Array<{ key: string; entry: PortEntry }> = [];
  for (let i = 0; i <= end - start; i++) {
    const target = start + i;
    let published: string | undefined;
    if (hostPort !== '') {
      published = start === end && hostStart !== hostEnd ? `${hostStart}-${hostEnd}` : String(hostStart + i);
    }
    const entry: PortEntry = { mode: 'ingress', target, protocol: protocol.toLowerCase() };
    if (ip !== '') entry.host_ip = ip;
    if (published !== undefined) entry.published = published;
    entries.push({ key: `${target}/${protocol}`, entry });
  }
  // the reference orders the expanded entries by their "port/proto" text
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return entries.map((e) => e.entry);
}

function parseRange(text: string, message: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(message);
  const start = Number(match[1]);
  const end = match[2] !== undefined ? Number(match[2]) : start;
  if (start > 65535 || end > 65535 || end < start) throw new Error(message);
  return [start, end];
}
