import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDockerConfig, RegistryCredentials, type HelperRunner } from '../../src/images/auth.js';
import { isLatestTag, parseReference, registryOfAuthKey } from '../../src/images/reference.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('image references', () => {
  it('finds the registry, repository, tag and digest', () => {
    expect(parseReference('nginx')).toEqual({ registry: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(parseReference('team/app:1.2')).toEqual({ registry: 'docker.io', repository: 'team/app', tag: '1.2' });
    expect(parseReference('127.0.0.1:5000/x/y:v1')).toEqual({ registry: '127.0.0.1:5000', repository: 'x/y', tag: 'v1' });
    expect(parseReference('localhost/app')).toMatchObject({ registry: 'localhost', tag: 'latest' });
    expect(parseReference('ghcr.io/o/r@sha256:abc')).toEqual({ registry: 'ghcr.io', repository: 'o/r', digest: 'sha256:abc' });
    expect(parseReference('index.docker.io/library/redis:7').registry).toBe('docker.io');
  });

  it('knows latest tags, written or implied', () => {
    expect(isLatestTag('busybox')).toBe(true);
    expect(isLatestTag('127.0.0.1:5000/busybox:latest')).toBe(true);
    expect(isLatestTag('127.0.0.1:5000/busybox')).toBe(true);
    expect(isLatestTag('busybox:1')).toBe(false);
    expect(isLatestTag('busybox@sha256:abc')).toBe(false);
  });

  it('reads the host of config.json keys however they are spelled', () => {
    expect(registryOfAuthKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryOfAuthKey('http://127.0.0.1:5001')).toBe('127.0.0.1:5001');
    expect(registryOfAuthKey('127.0.0.1:5001')).toBe('127.0.0.1:5001');
    expect(registryOfAuthKey('https://registry.example.com/v2/')).toBe('registry.example.com');
  });
});

describe('registry credentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'flotilla-images-auth-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads base64 auths from $DOCKER_CONFIG/config.json, matched by host', async () => {
    await fs.writeFile(join(dir, 'config.json'), JSON.stringify({
      auths: {
        'http://127.0.0.1:5001': { auth: b64('flotilla:s3cr:et') },
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
        'token.example.com': { identitytoken: 'tok' },
      },
    }));
    const credentials = await RegistryCredentials.load({ DOCKER_CONFIG: dir });
    expect(await credentials.forImage('127.0.0.1:5001/app:1')).toEqual({ username: 'flotilla', password: 's3cr:et', serveraddress: '127.0.0.1:5001' });
    expect(await credentials.forImage('nginx')).toEqual({ username: 'hubuser', password: 'hubpass', serveraddress: 'https://index.docker.io/v1/' });
    expect(await credentials.forImage('token.example.com/a')).toEqual({ identityToken: 'tok', serveraddress: 'token.example.com' });
    expect(await credentials.forImage('127.0.0.1:5000/app')).toBeUndefined();
    expect(Object.keys(await credentials.all()).sort()).toEqual(['127.0.0.1:5001', 'https://index.docker.io/v1/', 'token.example.com']);
  });

  it('asks credHelpers first, then credsStore, and maps <token> to an identity token', async () => {
    const asked: string[] = [];
    const helpers: HelperRunner = async (helper, address) => {
      asked.push(`${helper} ${address}`);
      if (helper === 'ecr') return { Username: 'AWS', Secret: 'ecr-pass' };
      if (address === 'https://index.docker.io/v1/') return { Username: '<token>', Secret: 'refresh' };
      return undefined;
    };
    const credentials = new RegistryCredentials({
      credsStore: 'desktop',
      credHelpers: { '123.dkr.ecr.example.com': 'ecr' },
      auths: { 'fallback.example.com': { auth: b64('u:p') } },
    }, helpers);
    expect(await credentials.forImage('123.dkr.ecr.example.com/app')).toMatchObject({ username: 'AWS', password: 'ecr-pass' });
    expect(await credentials.forImage('redis')).toEqual({ identityToken: 'refresh', serveraddress: 'https://index.docker.io/v1/' });
    // The store does not know it: the file entry still counts.
    expect(await credentials.forImage('fallback.example.com/x')).toMatchObject({ username: 'u', password: 'p' });
    await credentials.forImage('redis:7');
    expect(asked).toEqual(['ecr 123.dkr.ecr.example.com', 'desktop https://index.docker.io/v1/', 'desktop fallback.example.com']);
  });

  it('runs a real docker-credential-<helper> from PATH', async () => {
    const bin = join(dir, 'bin');
    await fs.mkdir(bin);
    await fs.writeFile(join(bin, 'docker-credential-fake'),
      '#!/bin/sh\nread server\necho "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"user-for-$server\\",\\"Secret\\":\\"pw\\"}"\n', { mode: 0o755 });
    await fs.writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'fake' }));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const credentials = await RegistryCredentials.load({ DOCKER_CONFIG: dir });
      expect(await credentials.forImage('127.0.0.1:5001/a')).toEqual({ username: 'user-for-127.0.0.1:5001', password: 'pw', serveraddress: '127.0.0.1:5001' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('no config file means no credentials; a broken one is an error naming it', async () => {
    expect(await readDockerConfig({ DOCKER_CONFIG: join(dir, 'none') })).toEqual({});
    await fs.writeFile(join(dir, 'config.json'), '{ not json');
    await expect(readDockerConfig({ DOCKER_CONFIG: dir })).rejects.toThrow(/config\.json is not valid JSON/);
  });
});
