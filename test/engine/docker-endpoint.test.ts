/** Where the Docker engine is looked for: explicit host, DOCKER_HOST, DOCKER_CONTEXT, the CLI's current context. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDockerEndpoint } from '../../src/engine/docker/endpoint.js';
import { InvalidRequestError } from '../../src/engine/errors.js';

const config = mkdtempSync(join(tmpdir(), 'flotilla-docker-config-'));

function addContext(name: string, host: string, tls = false): void {
  const digest = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(config, 'contexts', 'meta', digest), { recursive: true });
  writeFileSync(
    join(config, 'contexts', 'meta', digest, 'meta.json'),
    JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
  if (tls) {
    const dir = join(config, 'contexts', 'tls', digest, 'docker');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.pem'), 'CA');
  }
}

afterAll(() => rmSync(config, { recursive: true, force: true }));

describe('Docker endpoint resolution', () => {
  it('defaults to the system socket', () => {
    const e = resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config });
    expect(e).toMatchObject({ url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'default' });
  });

  it('an explicit host wins over DOCKER_HOST', () => {
    const e = resolveDockerEndpoint('unix:///run/other.sock', { DOCKER_HOST: 'tcp://10.0.0.1:2375' });
    expect(e).toMatchObject({ url: 'unix:///run/other.sock', socketPath: '/run/other.sock' });
  });

  it('reads tcp hosts, with TLS when DOCKER_TLS_VERIFY is set or the port is 2376', () => {
    expect(resolveDockerEndpoint(undefined, { DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toMatchObject({
      url: 'tcp://10.0.0.1:2375',
      protocol: 'http',
      host: '10.0.0.1',
      port: 2375,
    });
    const certs = mkdtempSync(join(tmpdir(), 'flotilla-certs-'));
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    writeFileSync(join(certs, 'cert.pem'), 'CERT');
    writeFileSync(join(certs, 'key.pem'), 'KEY');
    const tls = resolveDockerEndpoint(undefined, {
      DOCKER_HOST: 'tcp://docker.example:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs,
    });
    expect(tls).toMatchObject({ protocol: 'https', host: 'docker.example', port: 2376 });
    expect(tls.tls?.verify).toBe(true);
    expect(tls.tls?.cert?.toString()).toBe('CERT');
    rmSync(certs, { recursive: true, force: true });
    expect(resolveDockerEndpoint(undefined, { DOCKER_HOST: '10.0.0.2:2376' }).protocol).toBe('https');
  });

  it('uses DOCKER_CONTEXT, then the current context of config.json', () => {
    addContext('remote', 'tcp://192.0.2.10:2375');
    addContext('local-alt', 'unix:///run/alt/docker.sock', true);
    expect(resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'remote' })).toMatchObject({
      url: 'tcp://192.0.2.10:2375',
      source: 'context remote',
    });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'local-alt' }));
    expect(resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config })).toMatchObject({
      socketPath: '/run/alt/docker.sock',
      source: 'context local-alt',
    });
    // DOCKER_HOST beats any context; "default" means the default socket.
    expect(resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config, DOCKER_HOST: 'unix:///x.sock' }).socketPath).toBe('/x.sock');
    expect(resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'default' }).socketPath).toBe(
      '/var/run/docker.sock',
    );
  });

  it('an unknown context or scheme is an InvalidRequestError', () => {
    expect(() => resolveDockerEndpoint(undefined, { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'nope' })).toThrow(
      InvalidRequestError,
    );
    expect(() => resolveDockerEndpoint('ftp://x', {})).toThrow(/unsupported Docker host scheme "ftp"/);
  });
});
