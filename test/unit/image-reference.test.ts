import { describe, expect, it } from 'vitest';
import { splitReference } from '../../src/engine/image-reference.js';
import { parseReference as storeReference } from '../../src/engine/embedded/images/reference.js';
import { parseReference as registryReference } from '../../src/images/reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it('split as Docker splits them: a port is not a tag, a host-like first part is the registry', () => {
    expect(splitReference('busybox')).toEqual({ path: 'busybox' });
    expect(splitReference('team/app:1.2')).toEqual({ path: 'team/app', tag: '1.2' });
    expect(splitReference('127.0.0.1:5000/app')).toEqual({ registry: '127.0.0.1:5000', path: 'app' });
    expect(splitReference(`localhost/a/b:x@${digest}`)).toEqual({ registry: 'localhost', path: 'a/b', tag: 'x', digest });
    expect(splitReference('registry.example.com/team/app')).toEqual({ registry: 'registry.example.com', path: 'team/app' });
  });

  it('are normalized and checked by the embedded store', () => {
    expect(storeReference(' busybox ')).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: undefined });
    expect(storeReference('127.0.0.1:5000/app')).toEqual({ domain: '127.0.0.1:5000', path: 'app', tag: 'latest', digest: undefined });
    expect(() => storeReference('Busybox')).toThrow(/invalid image reference/);
    expect(() => storeReference('busybox@sha256:12')).toThrow(/invalid digest/);
  });

  it('name their registry for credentials, Docker Hub under any of its names', () => {
    expect(registryReference('nginx')).toEqual({ registry: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(registryReference('index.docker.io/nginx')).toEqual({ registry: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(registryReference(`127.0.0.1:5001/team/app@${digest}`)).toEqual({ registry: '127.0.0.1:5001', repository: 'team/app', digest });
  });
});
