/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf of a container: files in its directory, bind-mounted over
 * the image's. These are the files of a container without a bridge network: with loopback only its own
 * hostname resolves to 127.0.0.1; with the host's network it sees the host's hosts and resolv.conf. A bridged
 * container's hosts and resolv.conf are then rewritten by ./networking.ts.
 * These files are written in place, never renamed: a bind mount pins the inode.
 */
import { promises as fs } from 'node:fs';
import type { ContainerSpec } from '../../types.js';
import type { ContainerFiles } from '../state/paths.js';
import type { OciMount } from '../runtime/spec.js';
import { LOCALHOST_LINES, parseExtraHost } from '../net/etc-files.js';

function extraHostLines(spec: ContainerSpec, warnings: string[]): string[] {
  const lines: string[] = [];
  for (const entry of spec.extraHosts ?? []) {
    const host = parseExtraHost(entry);
    if (!host) continue;
    if (host.ip === 'host-gateway') {
      warnings.push(`extra host ${host.name}: host-gateway needs a bridge network; this container has none`);
      continue;
    }
    lines.push(`${host.ip}\t${host.name}`);
  }
  return lines;
}

async function resolvConf(spec: ContainerSpec, hostNetwork: boolean): Promise<string> {
  const host = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  let lines = host.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  if (!hostNetwork) lines = lines.filter((l) => !/^nameserver\s+(127\.|::1)/.test(l.trim()));
  if (spec.dns?.length) lines = lines.filter((l) => !l.startsWith('nameserver')).concat(spec.dns.map((d) => `nameserver ${d}`));
  if (spec.dnsSearch?.length) lines = lines.filter((l) => !l.startsWith('search')).concat(`search ${spec.dnsSearch.join(' ')}`);
  if (spec.dnsOptions?.length) lines = lines.filter((l) => !l.startsWith('options')).concat(`options ${spec.dnsOptions.join(' ')}`);
  return lines.join('\n') + '\n';
}

export async function writeEtcFiles(
  files: ContainerFiles,
  spec: ContainerSpec,
  hostname: string,
  hostNetwork: boolean,
  warnings: string[],
): Promise<OciMount[]> {
  const fqdn = spec.domainname ? `${hostname}.${spec.domainname} ${hostname}` : hostname;
  const base = hostNetwork
    ? (await fs.readFile('/etc/hosts', 'utf8').catch(() => LOCALHOST_LINES.join('\n'))).trimEnd().split('\n')
    : [...LOCALHOST_LINES, `127.0.0.1\t${fqdn}`];
  await fs.writeFile(files.hosts, [...base, ...extraHostLines(spec, warnings)].join('\n') + '\n');
  await fs.writeFile(files.hostname, `${hostname}\n`);
  await fs.writeFile(files.resolvConf, await resolvConf(spec, hostNetwork));
  const bind = (destination: string, source: string): OciMount => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', ...(spec.readOnlyRootfs ? ['ro'] : [])],
  });
  return [bind('/etc/hosts', files.hosts), bind('/etc/hostname', files.hostname), bind('/etc/resolv.conf', files.resolvConf)];
}
