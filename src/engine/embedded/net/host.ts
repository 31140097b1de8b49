/** The host tools networking shells out to (ip, nsenter, iptables, ss), with errors that say which call failed. */
import { EngineError } from '../../errors.js';
import { runCommand } from '../command.js';
import { parseCidr, type Cidr } from './ipv4.js';

export class HostCommandError extends EngineError {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly status: number,
  ) {
    super(`${command} failed (exit ${status}): ${stderr.trim().split('\n').slice(-3).join('; ')}`);
    this.name = 'HostCommandError';
  }
}

export async function run(file: string, args: string[], input?: string): Promise<string> {
  const result = await runCommand(file, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new HostCommandError(`${file} ${args.join(' ')}`.slice(0, 200), result.stderr || result.stdout, result.code);
  return result.stdout;
}

export function ip(args: string[]): Promise<string> {
  return run('ip', args);
}

/**
 * `ip` with `args` in the namespace at netnsPath: a named namespace through `ip -n` (ip enters it itself, one
 * process), any other path (/proc/<pid>/ns/net) through nsenter.
 */
function ipIn(args: string[], netnsPath: string | undefined, input?: string): Promise<string> {
  if (!netnsPath) return run('ip', args, input);
  const named = /^\/run\/netns\/([^/]+)$/.exec(netnsPath);
  return named ? run('ip', ['-n', named[1]!, ...args], input) : run('nsenter', [`--net=${netnsPath}`, 'ip', ...args], input);
}

export async function ipJson<T>(args: string[], netnsPath?: string): Promise<T> {
  const out = await ipIn(['-j', ...args], netnsPath);
  return JSON.parse(out || '[]') as T;
}

/** Several ip commands in one process, in the host's namespace or in another one. Stops at the first error. */
export function ipBatch(lines: string[], netnsPath?: string): Promise<string> {
  return ipIn(['-batch', '-'], netnsPath, lines.join('\n') + '\n');
}

/** The line of an `ip -batch` input that failed ("Command failed -:3" → 3), or undefined when it does not say. */
export function failedBatchLine(err: unknown): number | undefined {
  if (!(err instanceof HostCommandError)) return undefined;
  const m = /Command failed -:(\d+)/.exec(err.stderr);
  return m ? Number(m[1]) : undefined;
}

/** Missing links and namespaces are fine when removing things. */
export function isGone(err: unknown): boolean {
  return err instanceof HostCommandError && /Cannot find device|does not exist|No such file|not found/i.test(err.stderr);
}

interface RouteEntry {
  dst?: string;
  type?: string;
}
interface AddrEntry {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** Every IPv4 prefix the host already routes or holds: a new bridge subnet must overlap none of them. */
export async function hostPrefixes(): Promise<{ cidr: Cidr; text: string }[]> {
  const [routes, addrs] = await Promise.all([
    ipJson<RouteEntry[]>(['-4', 'route', 'show', 'table', 'all']),
    ipJson<AddrEntry[]>(['-4', 'addr', 'show']),
  ]);
  const texts: string[] = [];
  for (const route of routes) if (route.dst && route.dst !== 'default') texts.push(route.dst);
  for (const link of addrs) {
    for (const a of link.addr_info ?? []) if (a.family === 'inet' && a.local) texts.push(`${a.local}/${a.prefixlen ?? 32}`);
  }
  const out: { cidr: Cidr; text: string }[] = [];
  for (const text of texts) {
    const cidr = parseCidr(text);
    // 127/8 and multicast are never candidates anyway; skipping keeps error messages about real conflicts.
    if (cidr && cidr.prefix > 0) out.push({ cidr, text });
  }
  return out;
}

/** Who listens on a port, from `ss -p` ("docker-proxy pid 1234"), or undefined when it cannot be told. */
export async function portHolder(protocol: 'tcp' | 'udp', port: number): Promise<string | undefined> {
  const result = await runCommand('ss', ['-H', '-n', '-p', protocol === 'tcp' ? '-lt' : '-lu', `sport = :${port}`]).catch(() => undefined);
  if (!result || result.code !== 0) return undefined;
  const holders = new Set<string>();
  for (const match of result.stdout.matchAll(/\("([^"]+)",pid=(\d+)/g)) holders.add(`${match[1]} (pid ${match[2]})`);
  return holders.size ? [...holders].join(', ') : undefined;
}
