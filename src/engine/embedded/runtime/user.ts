/**
 * "user[:group]" (names or numbers) resolved against the image's /etc/passwd and /etc/group, as Docker does:
 * a name must exist; a bare uid takes its passwd gid when listed (else 0); supplementary groups come from
 * /etc/group memberships plus group_add.
 */
import { promises as fs } from 'node:fs';
import { InvalidRequestError } from '../../errors.js';
import { resolveInRoot } from './rootpath.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

async function readRootFile(root: string, path: string): Promise<string> {
  try {
    return await fs.readFile(await resolveInRoot(root, path), 'utf8');
  } catch {
    return '';
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 6 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }));
}

function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

function groupId(spec: string, groups: GroupEntry[]): number {
  if (/^\d+$/.test(spec)) return Number(spec);
  const group = groups.find((g) => g.name === spec);
  if (!group) throw new InvalidRequestError(`unable to find group ${spec}: no matching entries in group file`);
  return group.gid;
}

export async function resolveUser(root: string, userSpec: string, groupAdd: string[] = []): Promise<ResolvedUser> {
  const passwd = parsePasswd(await readRootFile(root, '/etc/passwd'));
  const groups = parseGroup(await readRootFile(root, '/etc/group'));
  const [userPart = '', groupPart] = userSpec.split(':');
  let entry: PasswdEntry | undefined;
  let uid = 0;
  if (userPart === '') {
    entry = passwd.find((p) => p.uid === 0);
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new InvalidRequestError(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (entry) uid = entry.uid;
  const gid = groupPart !== undefined && groupPart !== '' ? groupId(groupPart, groups) : (entry?.gid ?? 0);
  const additional = new Set<number>();
  if (entry && groupPart === undefined) {
    for (const group of groups) if (group.members.includes(entry.name) && group.gid !== gid) additional.add(group.gid);
  }
  for (const extra of groupAdd) additional.add(groupId(extra, groups));
  return { uid, gid, additionalGids: [...additional], home: entry?.home || '/' };
}
