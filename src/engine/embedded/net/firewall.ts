/**
 * Firewall rules of Flotilla's bridges, in chains of this data root only (FLT-<key>-FWD/-IN/-NAT), jumped to from
 * the top of FORWARD, INPUT and nat POSTROUTING. Why there: with br_netfilter, even frames between two ports of
 * one bridge traverse filter FORWARD, whose policy Docker sets to DROP; an ACCEPT in a table of our own would not
 * override that drop, so the ACCEPT must sit in the same chain, before the policy applies. Docker's own chains
 * and rules are never changed. Every rule carries a comment naming its bridge, so a network's rules can be
 * removed even when its record is lost.
 */
import { runCommand } from '../command.js';
import { HostCommandError, run } from './host.js';
import type { HostNames } from './naming.js';

export interface BridgeRules {
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
}

type Table = 'filter' | 'nat';

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
  private readonly hooks: { table: Table; builtin: string; chain: string }[];

  constructor(private readonly names: HostNames) {
    const c = names.chains;
    this.hooks = [
      { table: 'filter', builtin: 'FORWARD', chain: c.forward },
      { table: 'filter', builtin: 'INPUT', chain: c.input },
      { table: 'nat', builtin: 'POSTROUTING', chain: c.nat },
    ];
  }

  /** Creates this root's chains and the jumps to them, once. */
  async ensureChains(): Promise<void> {
    for (const hook of this.hooks) {
      if ((await iptables(['-t', hook.table, '-S', hook.chain])).code !== 0) await iptablesOk(['-t', hook.table, '-N', hook.chain]);
      if ((await iptables(['-t', hook.table, '-C', hook.builtin, '-j', hook.chain])).code !== 0) {
        await iptablesOk(['-t', hook.table, '-I', hook.builtin, '1', '-j', hook.chain]);
      }
    }
  }

  private ruleLines(rules: BridgeRules): { filter: string[]; nat: string[] } {
    const { bridge: b, subnet, gateway } = rules;
    const tag = `-m comment --comment ${this.names.ruleTag(b)}`;
    const fwd = this.names.chains.forward;
    const inp = this.names.chains.input;
    const filter = [`-A ${fwd} -i ${b} -o ${b} ${tag} -j ACCEPT`];
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
    // The network's name server listens on the gateway: keep it reachable even when INPUT defaults to DROP.
    filter.push(`-A ${inp} -i ${b} -d ${gateway}/32 -p udp --dport 53 ${tag} -j ACCEPT`);
    filter.push(`-A ${inp} -i ${b} -d ${gateway}/32 -p tcp --dport 53 ${tag} -j ACCEPT`);
    if (rules.internal) filter.push(`-A ${inp} -i ${b} ! -d ${gateway}/32 ${tag} -j DROP`);
    const nat = rules.internal ? [] : [`-A ${this.names.chains.nat} -s ${subnet} ! -o ${b} ${tag} -j MASQUERADE`];
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
      if ((await iptables(['-t', hook.table, '-C', hook.builtin, '-j', hook.chain])).code !== 0) return false;
    }
    return true;
  }

  /** Whether `current` (from listRules) holds every rule of the bridge, by count of rules carrying its tag. */
  hasBridge(current: { line: string }[], rules: BridgeRules): boolean {
    const tag = this.names.ruleTag(rules.bridge);
    const { filter, nat } = this.ruleLines(rules);
    return current.filter((r) => carriesTag(r.line, tag)).length === filter.length + nat.length;
  }

  async addBridge(rules: BridgeRules): Promise<void> {
    await this.ensureChains();
    await this.removeBridge(rules.bridge); // idempotent: a repair never doubles the rules
    const { filter, nat } = this.ruleLines(rules);
    await this.restore(filter, nat);
  }

  /** Current rules of this root's chains, as `iptables -S` prints them. */
  async listRules(): Promise<{ table: Table; line: string }[]> {
    const out: { table: Table; line: string }[] = [];
    for (const hook of this.hooks) {
      const result = await iptables(['-t', hook.table, '-S', hook.chain]);
      if (result.code !== 0) continue;
      for (const line of result.stdout.split('\n')) if (line.startsWith('-A ')) out.push({ table: hook.table, line });
    }
    return out;
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
    const lines = (table: Table) =>
      this.hooks.filter((h) => h.table === table).flatMap((h) => [`-D ${h.builtin} -j ${h.chain}`, `-F ${h.chain}`, `-X ${h.chain}`]);
    try {
      await this.restore(lines('filter'), lines('nat'));
      return;
    } catch (err) {
      if (!(err instanceof HostCommandError)) throw err;
    }
    for (const hook of this.hooks) {
      for (let i = 0; i < 16; i++) {
        const result = await iptables(['-t', hook.table, '-D', hook.builtin, '-j', hook.chain]);
        if (result.code !== 0) break;
      }
      if ((await iptables(['-t', hook.table, '-S', hook.chain])).code !== 0) continue;
      await iptablesOk(['-t', hook.table, '-F', hook.chain]);
      try {
        await iptablesOk(['-t', hook.table, '-X', hook.chain]);
      } catch (err) {
        if (!(err instanceof HostCommandError)) throw err;
        throw new HostCommandError(err.command, `${err.stderr} (is another rule still jumping to ${hook.chain}?)`, err.status);
      }
    }
  }
}
