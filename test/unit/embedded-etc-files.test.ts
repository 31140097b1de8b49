import { describe, expect, it } from 'vitest';
import { hostsText, parseExtraHost } from '../../src/engine/embedded/net/etc-files.js';

describe('container hosts files', () => {
  it('read extra_hosts entries in both forms, IPv6 included', () => {
    expect(parseExtraHost('db:10.0.0.5')).toEqual({ name: 'db', ip: '10.0.0.5' });
    expect(parseExtraHost('db=10.0.0.5')).toEqual({ name: 'db', ip: '10.0.0.5' });
    expect(parseExtraHost('v6:[::1]')).toEqual({ name: 'v6', ip: '::1' });
    expect(parseExtraHost('v6=::1')).toEqual({ name: 'v6', ip: '::1' });
    expect(parseExtraHost('gw:host-gateway')).toEqual({ name: 'gw', ip: 'host-gateway' });
    expect(parseExtraHost(':10.0.0.5')).toBeUndefined();
    expect(parseExtraHost('nohost')).toBeUndefined();
  });

  it('map the hostname to each address, and host-gateway to the gateway when there is one', () => {
    const text = hostsText({ hostname: 'web', domainname: 'example.test', addresses: ['10.1.0.2'], extraHosts: ['gw:host-gateway', 'db:10.0.0.5'], hostGatewayIp: '10.1.0.1' });
    expect(text.split('\n').slice(0, 1)).toEqual(['127.0.0.1\tlocalhost']);
    expect(text).toContain('10.1.0.2\tweb.example.test\tweb\n10.1.0.1\tgw\n10.0.0.5\tdb\n');
    expect(hostsText({ hostname: 'web', addresses: [], extraHosts: ['gw:host-gateway'] })).not.toContain('gw');
  });
});
