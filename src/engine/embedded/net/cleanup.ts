/**
 * Removing every trace of one data root's networking, from what the host shows rather than from state files
 * (which may be lost or stale): helper processes found by their command line, links by their alias, named
 * namespaces by their prefix, firewall chains by their name.
 */
import { promises as fs } from 'node:fs';
import type { Firewall } from './firewall.js';
import { findHelpers } from './helpers.js';
import { deleteLink, deleteNamedNetns, listLinks, listNamedNetns } from './links.js';
import type { HostNames } from './naming.js';
import type { NetPaths } from './store.js';

async function stopPids(pids: number[]): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 2000;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
}

export async function cleanupRoot(names: HostNames, firewall: Firewall, paths: NetPaths): Promise<void> {
  await stopPids(findHelpers(paths.run));
  const links = (await listLinks()).filter((l) => l.ifalias?.startsWith(names.linkAliasPrefix));
  // veths before bridges, so no port is left dangling while its bridge goes.
  const ordered = [...links.filter((l) => l.linkinfo?.info_kind !== 'bridge'), ...links.filter((l) => l.linkinfo?.info_kind === 'bridge')];
  for (const link of ordered) await deleteLink(link.ifname);
  for (const ns of await listNamedNetns()) if (ns.startsWith(names.netnsPrefix)) await deleteNamedNetns(ns);
  await firewall.removeChains();
  await fs.rm(paths.networks, { recursive: true, force: true });
  await fs.rm(paths.run, { recursive: true, force: true });
}
