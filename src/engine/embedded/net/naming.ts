/**
 * Names of the kernel objects a data root creates. Interface names are limited to 15 characters, so they are
 * short hashes; the link alias (ifalias) carries the readable owner, which is how cleanup finds them even when the
 * state files are lost. iptables chain names are limited to 28 characters.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** Every bridge starts with this; firewall isolation rules match the prefix (`flt+`). */
export const BRIDGE_PREFIX = 'flt';
/** Host ends of veth pairs: a different prefix, so `flt+` never matches them. */
export const VETH_PREFIX = 'flv';

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export interface HostNames {
  /** Short hash of the data root: the part every object of this root shares. */
  rootKey: string;
  /** ifalias prefix of every link of this root. */
  linkAliasPrefix: string;
  /** Named network namespaces of this root start with this (under /run/netns). */
  netnsPrefix: string;
  /** dnat: published ports (nat PREROUTING and OUTPUT); nat: masquerading (nat POSTROUTING). */
  chains: { forward: string; input: string; nat: string; dnat: string };
  bridge(networkId: string): string;
  hostVeth(networkId: string, containerId: string): string;
  netns(containerId: string): string;
  /** Comment on every firewall rule of one network. */
  ruleTag(bridge: string): string;
}

export function hostNames(dataRoot: string): HostNames {
  const rootKey = hex(resolve(dataRoot), 8);
  return {
    rootKey,
    linkAliasPrefix: `flotilla:${rootKey}:`,
    netnsPrefix: `flotilla-${rootKey}-`,
    chains: { forward: `FLT-${rootKey}-FWD`, input: `FLT-${rootKey}-IN`, nat: `FLT-${rootKey}-NAT`, dnat: `FLT-${rootKey}-DNAT` },
    bridge: (networkId) => `${BRIDGE_PREFIX}${hex(`${rootKey}/${networkId}`, 12)}`,
    hostVeth: (networkId, containerId) => `${VETH_PREFIX}${hex(`${rootKey}/${networkId}/${containerId}`, 12)}`,
    netns: (containerId) => `flotilla-${rootKey}-${containerId.slice(0, 16)}`,
    ruleTag: (bridge) => `flotilla:${bridge}`,
  };
}
