import { describe, expect, it } from 'vitest';
import { buildRequest, parseBuildArgs } from '../../src/images/build-request.js';
import type { BuildConfig, Project, Service } from '../../src/model/types.js';

function project(build: Partial<BuildConfig>, service: Partial<Service> = {}): { project: Project; service: Service } {
  const s: Service = { name: 'web', environment: {}, build: { context: '/src/app', ...build }, ...service };
  const p: Project = {
    name: 'shop', working_dir: '/src', compose_files: ['/src/compose.yaml'], services: { web: s }, networks: {}, volumes: {},
    secrets: {}, configs: {}, disabled_services: {}, profiles: [], environment: { FROM_DOTENV: 'dotenv-value' },
  };
  return { project: p, service: s };
}

describe('build requests', () => {
  it('names the image <project>-<service> without image:, and labels it with project and service', () => {
    const { project: p, service } = project({ labels: { team: 'a' } });
    const request = buildRequest(p, service);
    expect(request.image).toBe('shop-web');
    expect(request.options.tags).toEqual(['shop-web']);
    // Compose's go into the Dockerfile where they can (cached); the user's stay the engine's parameter, below them.
    expect(request.imageLabels).toEqual({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' });
    expect(request.options.labels).toEqual({ team: 'a' });
    const clash = project({ labels: { 'com.docker.compose.project': 'mine' } });
    expect(buildRequest(clash.project, clash.service).options.labels).toBeUndefined();
  });

  it('passes args (valueless ones from the environment), target, tags and the classic builder options', () => {
    const { project: p, service } = project({
      args: { PLAIN: '1', FROM_DOTENV: null, FROM_PROCESS: null, UNSET: null }, target: 'prod', tags: ['reg/x:1'],
      cache_from: ['reg/x:cache'], network: 'host', shm_size: 64 * 1024 * 1024, extra_hosts: ['db=10.0.0.2'], no_cache: true,
      platforms: ['linux/amd64'],
    }, { image: 'reg/x:latest' });
    const request = buildRequest(p, service, { buildArgs: { PLAIN: '2' } }, { FROM_PROCESS: 'proc' });
    expect(request.options).toMatchObject({
      tags: ['reg/x:latest', 'reg/x:1'], target: 'prod', cacheFrom: ['reg/x:cache'], network: 'host',
      shmSizeBytes: 64 * 1024 * 1024, extraHosts: ['db:10.0.0.2'], noCache: true, platform: 'linux/amd64',
      buildArgs: { PLAIN: '2', FROM_DOTENV: 'dotenv-value', FROM_PROCESS: 'proc' },
    });
  });

  it('refuses what the classic builder cannot do, naming every attribute, before anything runs', () => {
    const { project: p, service } = project({ secrets: [{ source: 'npmrc' }], ssh: ['default'], cache_to: ['type=local'] });
    expect(() => buildRequest(p, service)).toThrow(/build\.secrets, build\.ssh, build\.cache_to are not supported by this engine/);
    const multi = project({ platforms: ['linux/amd64', 'linux/arm64'] });
    expect(() => buildRequest(multi.project, multi.service)).toThrow(/multi-platform/);
    const ctx = project({ additional_contexts: { base: '/x' } });
    expect(() => buildRequest(ctx.project, ctx.service)).toThrow(/build\.additional_contexts is not supported/);
  });

  it('parses --build-arg', () => {
    expect(parseBuildArgs(['A=1', 'B', 'C=x=y', 'D='])).toEqual({ A: '1', B: null, C: 'x=y', D: '' });
    expect(() => parseBuildArgs(['=1'])).toThrow(/invalid --build-arg/);
  });
});
