/**
 * Node has no mknod or setxattr: device nodes, fifos, overlayfs whiteouts (char device 0/0) and the opaque
 * directory xattr are made by host tools, batched into one process per layer so a layer with many whiteouts
 * costs one spawn, not hundreds.
 */
import { existsSync } from 'node:fs';
import { runOk } from '../command.js';

export interface SpecialNode {
  path: string;
  kind: 'char' | 'block' | 'fifo';
  major: number;
  minor: number;
  mode: number;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Creates the nodes; paths must be absolute and already checked to lie inside their tree. */
export async function makeNodes(nodes: SpecialNode[]): Promise<void> {
  if (nodes.length === 0) return;
  const lines = nodes.map((n) => {
    const mode = (n.mode & 0o7777).toString(8);
    const type = n.kind === 'fifo' ? 'p' : `${n.kind === 'char' ? 'c' : 'b'} ${n.major} ${n.minor}`;
    return `mknod -m ${mode} ${quote(n.path)} ${type}`;
  });
  await runOk('sh', ['-e', '-s'], { input: lines.join('\n') + '\n' });
}

export interface XattrSetting {
  path: string;
  name: string;
  value: Buffer;
}

/** Sets extended attributes (trusted.* needs root). Uses setfattr when installed, else python3's os.setxattr. */
export async function setXattrs(items: XattrSetting[]): Promise<void> {
  if (items.length === 0) return;
  if (existsSync('/usr/bin/setfattr') || existsSync('/bin/setfattr')) {
    const lines = items.map((x) => `setfattr -h -n ${quote(x.name)} -v 0x${x.value.toString('hex')} ${quote(x.path)}`);
    await runOk('sh', ['-e', '-s'], { input: lines.join('\n') + '\n' });
    return;
  }
  const script =
    'import os,sys,json\n' +
    'for x in json.load(sys.stdin):\n' +
    '    os.setxattr(x["path"], x["name"], bytes.fromhex(x["value"]), follow_symlinks=False)\n';
  const input = JSON.stringify(items.map((x) => ({ path: x.path, name: x.name, value: x.value.toString('hex') })));
  await runOk('python3', ['-c', script], { input });
}
