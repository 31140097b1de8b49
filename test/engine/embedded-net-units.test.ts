/** The pure parts of embedded networking: address math, subnet planning and leases, DNS messages, port specs and rules. */
import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, UnsupportedError } from '../../src/engine/errors.js';
import { buildQuery, buildResponse, parseAnswerAddresses, parseQuery, RCODE, TYPE_AAAA } from '../../src/engine/embedded/net/dns-wire.js';
import { leaseAddress, planSubnet } from '../../src/engine/embedded/net/ipam.js';
import * as v4 from '../../src/engine/embedded/net/ipv4.js';
import { hostNames } from '../../src/engine/embedded/net/naming.js';
import { proxyBindings } from '../../src/engine/embedded/net/ports.js';
import { natDestination, parsePortTag, portRule, portTag } from '../../src/engine/embedded/net/port-rules.js';
import type { NetworkRecord } from '../../src/engine/embedded/net/store.js';

const taken = (...cidrs: string[]) => cidrs.map((text) => ({ cidr: v4.parseCidr(text)!, text }));

function record(overrides: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id: 'n', name: 'net', bridge: 'fltx', subnet: '10.201.0.0/24', gateway: '10.201.0.1', auxAddresses: {}, internal: false,
    attachable: false, labels: {}, driverOpts: {}, ipamDriver: 'default', ipamOptions: {}, created: 0, members: {}, ...overrides,
  };
}

describe('embedded networking, pure parts', () => {
  it('does IPv4 arithmetic', () => {
    expect(v4.formatCidr(v4.parseCidr('10.1.2.77/24')!)).toBe('10.1.2.0/24');
    expect(v4.parseCidr('10.1.2.300/24')).toBeUndefined();
    expect(v4.overlaps(v4.parseCidr('10.0.0.0/8')!, v4.parseCidr('10.201.3.0/24')!)).toBe(true);
    expect(v4.overlaps(v4.parseCidr('10.201.2.0/24')!, v4.parseCidr('10.201.3.0/24')!)).toBe(false);
    expect(v4.within(v4.parseCidr('10.1.2.128/25')!, v4.parseCidr('10.1.2.0/24')!)).toBe(true);
    expect(v4.macFromIp(v4.parseIp('172.17.0.2')!)).toBe('02:42:ac:11:00:02');
    expect(v4.isValidMac('03:00:00:00:00:01')).toBe(false);
  });

  it('plans subnets around what the host routes, and validates explicit IPAM', () => {
    expect(planSubnet([], taken('10.201.0.0/24', '10.201.1.128/25', '172.17.0.0/16'))).toEqual({ subnet: '10.201.2.0/24', gateway: '10.201.2.1', auxAddresses: {} });
    // A wide route (10/8) rules out every automatic candidate inside it.
    expect(() => planSubnet([], taken('10.0.0.0/8'))).toThrow(ConflictError);
    expect(() => planSubnet([{ subnet: '172.17.5.0/24' }], taken('172.17.0.0/16'))).toThrow(/overlaps 172.17.0.0\/16/);
    expect(() => planSubnet([{ subnet: 'fd00::/64' }], [])).toThrow(UnsupportedError);
    expect(() => planSubnet([{ subnet: '10.9.0.0/24', ipRange: '10.9.1.0/25' }], [])).toThrow(InvalidRequestError);
    expect(() => planSubnet([{ subnet: '10.9.0.0/31' }], [])).toThrow(/too small/);
    expect(planSubnet([{ subnet: '10.9.0.0/16', ipRange: '10.9.4.0/24', gateway: '10.9.0.254' }], [])).toEqual({ subnet: '10.9.0.0/16', gateway: '10.9.0.254', ipRange: '10.9.4.0/24', auxAddresses: {} });
  });

  it('leases the lowest free address and refuses taken ones', () => {
    const r = record({ auxAddresses: { printer: '10.201.0.2' } });
    expect(leaseAddress(r, 'a')).toBe('10.201.0.3');
    r.members.a = { containerId: 'a', containerName: 'a', ipAddress: '10.201.0.3', mac: '', hostVeth: '', ifName: 'eth0', netnsPath: '', names: [], aliases: [], defaultRoute: true };
    expect(leaseAddress(r, 'b')).toBe('10.201.0.4');
    expect(() => leaseAddress(r, 'b', '10.201.0.3')).toThrow(ConflictError);
    expect(() => leaseAddress(r, 'b', '10.201.0.1')).toThrow(ConflictError);
    expect(() => leaseAddress(r, 'b', '10.202.0.9')).toThrow(InvalidRequestError);
    expect(leaseAddress(record({ subnet: '10.201.0.0/30', gateway: '10.201.0.1', members: {} }), 'x')).toBe('10.201.0.2');
    expect(() => leaseAddress(record({ subnet: '10.201.0.0/30', members: { a: { ...r.members.a!, ipAddress: '10.201.0.2' } } }), 'x')).toThrow(/no free address/);
  });

  it('names kernel objects within their length limits, distinct per data root', () => {
    const a = hostNames('/var/lib/flotilla');
    const b = hostNames('/tmp/other');
    const bridge = a.bridge('f'.repeat(64));
    expect(bridge).toMatch(/^flt[0-9a-f]{12}$/);
    expect(a.hostVeth('n', 'c')).toMatch(/^flv[0-9a-f]{12}$/);
    expect(b.bridge('f'.repeat(64))).not.toBe(bridge);
    expect(a.chains.forward.length).toBeLessThanOrEqual(28);
    expect(a.chains.dnat.length).toBeLessThanOrEqual(28);
    expect(new Set(Object.values(a.chains)).size).toBe(4);
  });

  it('writes DNAT rules for what IPv4 NAT can carry, tagged with their container and process', () => {
    expect(natDestination('')).toBeUndefined();
    expect(natDestination('0.0.0.0')).toBeUndefined();
    expect(natDestination('::')).toBeUndefined(); // dual stack: IPv4 too
    expect(natDestination('127.0.0.1')).toBe('127.0.0.1');
    expect(natDestination('::1')).toBeNull();
    const tag = portTag('c'.repeat(64), 4242);
    expect(portRule('FLT-x-DNAT', tag, { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, targetIp: '10.0.0.2', containerPort: 80 })).toBe(
      `FLT-x-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -m comment --comment ${tag} -j DNAT --to-destination 10.0.0.2:80`,
    );
    expect(portRule('FLT-x-DNAT', tag, { protocol: 'udp', hostIp: '', hostPort: 53, targetIp: '10.0.0.2', containerPort: 53 })).toBe(
      `FLT-x-DNAT -p udp -m udp --dport 53 -m comment --comment ${tag} -j DNAT --to-destination 10.0.0.2:53`,
    );
    expect(portRule('FLT-x-DNAT', tag, { protocol: 'tcp', hostIp: '::1', hostPort: 1, targetIp: '10.0.0.2', containerPort: 1 })).toBeUndefined();
    // As iptables -S prints it back, quoted (nft) or not (legacy); other comments are not ours.
    expect(parsePortTag(`-A FLT-x-DNAT -p tcp -m comment --comment "${tag}" -j DNAT`)).toEqual({ containerId: 'c'.repeat(64), pid: 4242 });
    expect(parsePortTag(`-A FLT-x-DNAT -p tcp -m comment --comment ${portTag('web 1/x', 7)} -j DNAT`)).toEqual({ containerId: 'web_1_x', pid: 7 });
    expect(parsePortTag('-A FLT-x-FWD -m comment --comment flotilla:flt0123 -j ACCEPT')).toBeUndefined();
  });

  it('parses queries and builds answers', () => {
    const query = buildQuery(0x1234, 'Web.Example');
    const q = parseQuery(query)!;
    expect(q).toMatchObject({ id: 0x1234, name: 'web.example', type: 1, recursionDesired: true });
    const answer = buildResponse(query, q, RCODE.noError, ['10.0.0.2', '10.0.0.3']);
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    expect(parseAnswerAddresses(answer)).toEqual({ rcode: 0, addresses: ['10.0.0.2', '10.0.0.3'] });
    expect(parseAnswerAddresses(buildResponse(query, q, RCODE.nxDomain))).toEqual({ rcode: 3, addresses: [] });
    expect(parseQuery(buildQuery(1, 'x', TYPE_AAAA))!.type).toBe(TYPE_AAAA);
    expect(parseQuery(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(parseQuery(answer)).toBeUndefined(); // a response is not a query
  });

  it('turns port bindings into proxy bindings', () => {
    expect(proxyBindings([{ containerPort: 80, protocol: 'tcp', hostIp: '[::1]', hostPort: '8000-8002' }, { containerPort: 53, protocol: 'udp' }], '10.0.0.2')).toEqual([
      { protocol: 'tcp', hostIp: '::1', candidates: [8000, 8001, 8002], containerPort: 80, targetIp: '10.0.0.2' },
      { protocol: 'udp', hostIp: '', candidates: [0], containerPort: 53, targetIp: '10.0.0.2' },
    ]);
    expect(() => proxyBindings([{ containerPort: 80, protocol: 'tcp', hostPort: '9-1' }], '10.0.0.2')).toThrow(InvalidRequestError);
    expect(() => proxyBindings([{ containerPort: 80, protocol: 'sctp' }], '10.0.0.2')).toThrow(UnsupportedError);
  });
});
