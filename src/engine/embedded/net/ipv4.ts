/** IPv4 arithmetic on 32-bit unsigned numbers: parsing addresses and CIDRs, containment, overlap. */

export interface Cidr {
  /** Network address (host bits cleared). */
  base: number;
  prefix: number;
}

export function parseIp(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.1.2.0/24" → Cidr; an address without a prefix is a /32. Host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText] = text.trim().split('/');
  const ip = parseIp(addr ?? '');
  if (ip === undefined) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.base)}/${cidr.prefix}`;
}

export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function lastAddress(cidr: Cidr): number {
  return (cidr.base + size(cidr) - 1) >>> 0;
}

export function contains(cidr: Cidr, ip: number): boolean {
  return ((ip & maskOf(cidr.prefix)) >>> 0) === cidr.base;
}

/** True when `inner` lies entirely inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.base);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/** A locally administered MAC derived from the address, as Docker does (02:42:a:b:c:d). */
export function macFromIp(ip: number): string {
  const bytes = [0x02, 0x42, ...[24, 16, 8, 0].map((shift) => (ip >>> shift) & 255)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function isValidMac(mac: string): boolean {
  // Unicast only: the low bit of the first octet marks multicast, which an interface cannot carry.
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) && (Number.parseInt(mac.slice(0, 2), 16) & 1) === 0;
}
