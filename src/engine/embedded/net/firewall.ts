/**
 * Firewall rules of Flotilla's bridges, in chains of this data root only (FLT-<key>-FWD/-IN/-NAT/-DNAT), jumped to
 * from the top of FORWARD, INPUT, nat POSTROUTING, and nat PREROUTING and OUTPUT for local destinations. Why
 * there: with br_netfilter, even frames between two ports of one bridge traverse filter FORWARD, whose policy
 * Docker sets to DROP; an ACCEPT in a table of our own would not override that drop, so the ACCEPT must sit in
 * the same chain, before the policy applies. Docker's own chains and rules are never changed. Every bridge rule
 * carries a comment naming its bridge, so a network's rules can be removed even when its record is lost; the
 * DNAT chain holds published ports (see port-rules.ts), tagged with their container and proxy process.
 */
import { runCommand } from '../command.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { HostCommandError, run } from './host.js';
import { parsePortTag, tagId } from './port-rules.js';
import type { HostNames } from './naming.js';

export interface BridgeRules {
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
}

type Table = 'filter' | 'nat';

interface Hook {
  table: Table;
  builtin: string;
  chain: string;
  /** Matches of the jump, before `-j chain`. */
  match?: string;
}

export interface PortRuleLine {
  line: string;
  containerId: string;
  pid: number;
}

/** Words of an `iptables -S` line (our comments hold no spaces, so quotes can simply go). */
function words(line: string): string[] {
  return line.replace(/"/g, '').trim().split(/\s+/);
}

/**
 * Published ports reach 127.0.0.1 through DNAT, so packets with a loopback source leave through the bridge and
 * replies come back to a loopback destination: without route_localnet the kernel drops both as martians. It is
 * set on the bridge only (never `all`) and goes away with it.
 */
function localnetPath(bridge: string): string {
  return `/proc/sys/net/ipv4/conf/${bridge}/route_localnet`;
}

/** Whether an `iptables -S` line carries the comment `tag` (iptables-nft prints it quoted, legacy may not). */
function carriesTag(line: string, tag: string): boolean {
  return line.split(/\s+/).some((word) => word === tag || word === `"${tag}"`);
}

async function iptables(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCommand('iptables', ['-w', ...args]);
}

async function iptablesOk(args: string[]): Promise<string> {
  return run('iptables', ['-w', ...args]);
}

export class Firewall {
  private readonly hooks: Hook[];
  /** Each chain once (the DNAT chain has two hooks). */
  private readonly chains: { table: Table; chain: string }[];

  constructor(private readonly names: HostNames) {
    const c = names.chains;
    const local = '-m addrtype --dst-type LOCAL';
    this.hooks = [
      { table: 'filter', builtin: 'FORWARD', chain: c.forward },
      { table: 'filter', builtin: 'INPUT', chain: c.input },
      { table: 'nat', builtin: 'POSTROUTING', chain: c.nat },
      // From outside (PREROUTING) and from the host itself, 127.0.0.1 included (OUTPUT).
      { table: 'nat', builtin: 'PREROUTING', chain: c.dnat, match: local },
      { table: 'nat', builtin: 'OUTPUT', chain: c.dnat, match: local },
    ];
    this.chains = this.hooks.filter((h, i) => this.hooks.findIndex((o) => o.chain === h.chain) === i).map((h) => ({ table: h.table, chain: h.chain }));
  }

  private jump(hook: Hook): string[] {
    return [...(hook.match ? hook.match.split(' ') : []), '-j', hook.chain];
  }

  /** The nat chain of published ports (the proxy processes add their rules there). */
  get dnatChain(): string {
    return this.names.chains.dnat;
  }

  /** Creates this root's chains and the jumps to them, once. */
  async ensureChains(): Promise<void> {
    for (const { table, chain } of this.chains) {
      if ((await iptables(['-t', table, '-S', chain])).code !== 0) await iptablesOk(['-t', table, '-N', chain]);
    }
    for (const hook of this.hooks) {
      if ((await iptables(['-t', hook.table, '-C', hook.builtin, ...this.jump(hook)])).code !== 0) {
        await iptablesOk(['-t', hook.table, '-I', hook.builtin, '1', ...this.jump(hook)]);
      }
    }
  }

  private ruleLines(rules: BridgeRules): { filter: string[]; nat: string[] } {
    const { bridge: b, subnet, gateway } = rules;
    const tag = `-m comment --comment ${this.names.ruleTag(b)}`;
    const fwd = this.names.chains.forward;
    const inp = this.names.chains.input;
    const filter = [
      // Published ports (DNAT to a member) first, ahead of any network's isolation rules: a published port is
      // reachable from wherever the host is, as it would be through a proxy on the host.
      `-I ${fwd} 1 -o ${b} -m conntrack --ctstate DNAT --ctdir ORIGINAL ${tag} -j ACCEPT`,
      `-I ${fwd} 1 -i ${b} -m conntrack --ctstate DNAT --ctdir REPLY ${tag} -j ACCEPT`,
      `-A ${fwd} -i ${b} -o ${b} ${tag} -j ACCEPT`,
    ];
    if (rules.internal) {
      filter.push(`-A ${fwd} -i ${b} ${tag} -j DROP`, `-A ${fwd} -o ${b} ${tag} -j DROP`);
    } else {
      // Isolation first: containers of different Flotilla networks do not reach each other through the host.
      filter.push(
        `-A ${fwd} -i ${b} -o flt+ ${tag} -j DROP`,
        `-A ${fwd} -i ${b} ${tag} -j ACCEPT`,
        `-A ${fwd} -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`,
      );
    }
    // route_localnet on the bridge would also let a member send to the host's 127.0.0.1: only replies may arrive.
    filter.push(`-A ${inp} -i ${b} -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED ${tag} -j DROP`);
    // The network's name server listens on the gateway: keep it reachable even when INPUT defaults to DROP.
    filter.push(`-A ${inp} -i ${b} -d ${gateway}/32 -p udp --dport 53 ${tag} -j ACCEPT`);
    filter.push(`-A ${inp} -i ${b} -d ${gateway}/32 -p tcp --dport 53 ${tag} -j ACCEPT`);
    if (rules.internal) {
      // Replies to the host's connections (to published ports through 127.0.0.1) still come back.
      filter.push(`-A ${inp} -i ${b} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`);
      filter.push(`-A ${inp} -i ${b} ! -d ${gateway}/32 ${tag} -j DROP`);
    }
    const natChain = this.names.chains.nat;
    const nat = [
      // The host's own connections to a published port: a member cannot answer a loopback source, and a member of
      // an internal network has no route back to the host's other addresses; from the gateway it can.
      `-A ${natChain} -o ${b} -m addrtype --src-type LOCAL -m conntrack --ctstate DNAT ${tag} -j MASQUERADE`,
      // Hairpin: a member reaching a published port (its own or a neighbour's) through a host address would get
      // the reply straight from the member's address, not from the one it connected to.
      `-A ${natChain} -s ${subnet} -o ${b} -m conntrack --ctstate DNAT ${tag} -j MASQUERADE`,
    ];
    if (!rules.internal) nat.push(`-A ${natChain} -s ${subnet} ! -o ${b} ${tag} -j MASQUERADE`);
    return { filter, nat };
  }

  private async restore(filter: string[], nat: string[]): Promise<void> {
    let input = '';
    if (filter.length) input += `*filter\n${filter.join('\n')}\nCOMMIT\n`;
    if (nat.length) input += `*nat\n${nat.join('\n')}\nCOMMIT\n`;
    // --noflush: add to what is there, in one transaction, without touching anybody else's rules.
    if (input) await run('iptables-restore', ['--noflush'], input);
  }

  /** Whether this root's chains are there and jumped to (the rules inside are `hasBridge`'s business). */
  async hasJumps(): Promise<boolean> {
    for (const hook of this.hooks) {
      if ((await iptables(['-t', hook.table, '-C', hook.builtin, ...this.jump(hook)])).code !== 0) return false;
    }
    return true;
  }

  /**
   * Whether `current` (from listRules) holds every rule of the bridge, by count of rules carrying its tag, and the
   * bridge has route_localnet.
   */
  hasBridge(current: { line: string }[], rules: BridgeRules): boolean {
    const tag = this.names.ruleTag(rules.bridge);
    const { filter, nat } = this.ruleLines(rules);
    if (current.filter((r) => carriesTag(r.line, tag)).length !== filter.length + nat.length) return false;
    try {
      return readFileSync(localnetPath(rules.bridge), 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }

  async addBridge(rules: BridgeRules): Promise<void> {
    try {
      writeFileSync(localnetPath(rules.bridge), '1');
    } catch (err) {
      throw new HostCommandError(`write ${localnetPath(rules.bridge)}`, (err as Error).message, 1);
    }
    await this.ensureChains();
    await this.removeBridge(rules.bridge); // idempotent: a repair never doubles the rules
    const { filter, nat } = this.ruleLines(rules);
    await this.restore(filter, nat);
  }

  /** Current rules of this root's chains, as `iptables -S` prints them. */
  async listRules(): Promise<{ table: Table; line: string }[]> {
    const out: { table: Table; line: string }[] = [];
    for (const { table, chain } of this.chains) {
      const result = await iptables(['-t', table, '-S', chain]);
      if (result.code !== 0) continue;
      for (const line of result.stdout.split('\n')) if (line.startsWith('-A ')) out.push({ table, line });
    }
    return out;
  }

  /** The published-port rules of the DNAT chain, with the container and proxy process each belongs to. */
  async portRules(): Promise<PortRuleLine[]> {
    const result = await iptables(['-t', 'nat', '-S', this.names.chains.dnat]);
    if (result.code !== 0) return [];
    const out: PortRuleLine[] = [];
    for (const line of result.stdout.split('\n')) {
      const owner = line.startsWith('-A ') ? parsePortTag(line) : undefined;
      if (owner) out.push({ line, ...owner });
    }
    return out;
  }

  /**
   * Removes the port rules of one container (any process), and those whose process is gone (`alive` says), which
   * would otherwise keep sending a port to an old address. Rules a proxy removes at the same time are fine.
   */
  async removePortRules(select: { containerId?: string; alive?: (rule: PortRuleLine) => boolean }): Promise<number> {
    const id = select.containerId === undefined ? undefined : tagId(select.containerId);
    const doomed = (await this.portRules()).filter((r) => r.containerId === id || (select.alive && !select.alive(r)));
    if (!doomed.length) return 0;
    try {
      await this.restore([], doomed.map((r) => r.line.replace(/^-A /, '-D ')));
    } catch (err) {
      if (!(err instanceof HostCommandError)) throw err;
      // One of them went meanwhile (its proxy exiting): the rest one by one.
      for (const r of doomed) await iptables(['-t', 'nat', '-D', ...words(r.line).slice(1)]);
    }
    return doomed.length;
  }

  async removeBridge(bridge: string): Promise<void> {
    const tag = this.names.ruleTag(bridge);
    const mine = (await this.listRules()).filter((r) => carriesTag(r.line, tag));
    const deletes = (table: Table) => mine.filter((r) => r.table === table).map((r) => r.line.replace(/^-A /, '-D '));
    await this.restore(deletes('filter'), deletes('nat'));
  }

  /** Removes the jumps and this root's chains (with whatever rules are left in them). */
  async removeChains(): Promise<void> {
    // Usually one transaction (about 15 iptables calls otherwise): each jump once, then flush and delete each chain.
    // It fails as a whole when that does not fit (a jump missing or doubled, a chain gone): then step by step.
    const lines = (table: Table) => [
      ...this.hooks.filter((h) => h.table === table).map((h) => `-D ${h.builtin} ${this.jump(h).join(' ')}`),
      ...this.chains.filter((c) => c.table === table).flatMap((c) => [`-F ${c.chain}`, `-X ${c.chain}`]),
    ];
    try {
      await this.restore(lines('filter'), lines('nat'));
      return;
    } catch (err) {
      if (!(err instanceof HostCommandError)) throw err;
    }
    for (const hook of this.hooks) {
      for (let i = 0; i < 16; i++) {
        const result = await iptables(['-t', hook.table, '-D', hook.builtin, ...this.jump(hook)]);
        if (result.code !== 0) break;
      }
    }
    for (const { table, chain } of this.chains) {
      if ((await iptables(['-t', table, '-S', chain])).code !== 0) continue;
      await iptablesOk(['-t', table, '-F', chain]);
      try {
        await iptablesOk(['-t', table, '-X', chain]);
      } catch (err) {
        if (!(err instanceof HostCommandError)) throw err;
        throw new HostCommandError(err.command, `${err.stderr} (is another rule still jumping to ${chain}?)`, err.status);
      }
    }
  }
}
