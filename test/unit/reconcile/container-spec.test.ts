import { describe, expect, it } from 'vitest';
import { toContainerSpec } from '../../../src/reconcile/container-spec.js';
import { Label, decodeConfigLabel } from '../../../src/reconcile/labels.js';
import { serviceConfigHash, serviceContainerConfig } from '../../../src/model/hash.js';
import { makeProject, type ServiceInput } from './plan-fixtures.js';

const S = 1_000_000_000;

function specOf(input: ServiceInput, extra: Parameters<typeof makeProject>[2] = {}, number = 1) {
  const p = makeProject('demo', { web: input, db: {} }, extra);
  return toContainerSpec(p, p.services.web!, number);
}

function withoutLabels(spec: ReturnType<typeof specOf>) {
  const { labels: _labels, ...rest } = spec;
  return rest;
}

describe('toContainerSpec', () => {
  it('translates a minimal service: name, image, default network with aliases', () => {
    expect(withoutLabels(specOf({}))).toEqual({
      name: 'demo-web-1', image: 'nginx:1.27', networkMode: 'demo_default',
      networks: [{ network: 'demo_default', aliases: ['web', 'demo-web-1'] }],
    });
  });

  it('writes the compose labels and our config label', () => {
    const p = makeProject('demo', { web: { labels: { team: 'a' }, depends_on: {
      db: { condition: 'service_healthy', restart: true, required: true } } }, db: {} });
    const spec = toContainerSpec(p, p.services.web!, 2, { imageId: 'sha256:abc', replaces: 'demo-web-2' });
    expect(spec.labels).toEqual({
      team: 'a',
      [Label.project]: 'demo', [Label.service]: 'web', [Label.oneoff]: 'False', [Label.containerNumber]: '2',
      [Label.configHash]: serviceConfigHash(p.services.web!), [Label.flotillaConfig]: expect.any(String),
      [Label.workingDir]: '/srv/app', [Label.configFiles]: '/srv/app/compose.yaml',
      [Label.dependsOn]: 'db:service_healthy:true', [Label.image]: 'sha256:abc', [Label.version]: expect.any(String),
      [Label.replace]: 'demo-web-2',
    });
    expect(decodeConfigLabel(spec.labels[Label.flotillaConfig])).toEqual(JSON.parse(JSON.stringify(serviceContainerConfig(p.services.web!))));
  });

  it('uses the temporary name while keeping final-name aliases', () => {
    const p = makeProject('demo', { web: {} });
    const spec = toContainerSpec(p, p.services.web!, 1, { tmpName: 'abc_demo-web-1' });
    expect(spec.name).toBe('abc_demo-web-1');
    expect(spec.networks![0]!.aliases).toEqual(['web', 'demo-web-1']);
  });

  it('translates process fields: command, entrypoint, env (bare KEY for null), user, dirs, tty', () => {
    expect(withoutLabels(specOf({
      command: ['serve', '--port', '80'], entrypoint: ['/init'], environment: { B: '2', A: '1', UNSET: null },
      working_dir: '/app', user: '1000:1000', group_add: ['audio'], hostname: 'h', domainname: 'example.org', tty: true, stdin_open: true,
      network_mode: 'none',
    }))).toEqual({
      name: 'demo-web-1', image: 'nginx:1.27', cmd: ['serve', '--port', '80'], entrypoint: ['/init'], env: ['A=1', 'B=2', 'UNSET'],
      workingDir: '/app', user: '1000:1000', groupAdd: ['audio'], hostname: 'h', domainname: 'example.org', tty: true, stdinOpen: true,
      networkMode: 'none',
    });
  });

  it('keeps a null command (the image default) apart from an empty one', () => {
    expect(specOf({ command: null }).cmd).toBeNull();
    expect(specOf({ entrypoint: [] }).entrypoint).toEqual([]);
  });

  it('translates ports and exposes them, expanding expose ranges', () => {
    const spec = specOf({
      expose: ['3000', '4000-4001/udp'],
      ports: [
        { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
        { mode: 'ingress', target: 53, host_ip: '127.0.0.1', published: '5353', protocol: 'udp' },
        { mode: 'ingress', target: 9000, protocol: 'tcp' },
      ],
    });
    expect(spec.exposedPorts).toEqual(['3000/tcp', '4000/udp', '4001/udp', '80/tcp', '53/udp', '9000/tcp']);
    expect(spec.ports).toEqual([
      { containerPort: 80, protocol: 'tcp', hostPort: '8080' },
      { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: '5353' },
      { containerPort: 9000, protocol: 'tcp' },
    ]);
  });

  it('translates mounts: binds, named volumes by engine name, anonymous, tmpfs, and tmpfs paths', () => {
    const spec = specOf({
      volumes: [
        { type: 'bind', source: '/srv/app/src', target: '/src', read_only: true, bind: { propagation: 'rshared', selinux: 'z' } },
        { type: 'bind', source: '/srv/app/conf', target: '/conf', bind: { create_host_path: false } },
        { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true, subpath: 'pg' } },
        { type: 'volume', target: '/cache' },
        { type: 'tmpfs', target: '/tmp', tmpfs: { size: 65536, mode: 0o1777 } },
        { type: 'npipe', source: '\\\\.\\pipe\\x', target: '\\\\.\\pipe\\x' },
      ],
      tmpfs: ['/run', '/var/run:size=1m'],
    }, { volumes: { data: { name: 'pgdata' } } });
    expect(spec.mounts).toEqual([
      { type: 'bind', source: '/srv/app/src', target: '/src', readOnly: true, propagation: 'rshared', createHostPath: true, selinux: 'z' },
      { type: 'bind', source: '/srv/app/conf', target: '/conf', createHostPath: false },
      { type: 'volume', source: 'pgdata', target: '/data', noCopy: true, subpath: 'pg' },
      { type: 'volume', target: '/cache' },
      { type: 'tmpfs', target: '/tmp', tmpfsSizeBytes: 65536, tmpfsMode: 0o1777 },
    ]);
    expect(spec.tmpfs).toEqual({ '/run': '', '/var/run': 'size=1m' });
  });

  it('mounts inherited anonymous volumes by name, and image volumes the file does not mount', () => {
    const spec = specOf({ volumes: [{ type: 'volume', target: '/cache' }] }, {}, 1);
    expect(spec.mounts).toEqual([{ type: 'volume', target: '/cache' }]);
    const p = makeProject('demo', { web: { volumes: [{ type: 'volume', target: '/cache' }] } });
    const inherited = toContainerSpec(p, p.services.web!, 1, { inheritedMounts: { '/cache': 'v1', '/var/lib/x': 'v2' } });
    expect(inherited.mounts).toEqual([
      { type: 'volume', source: 'v1', target: '/cache' },
      { type: 'volume', source: 'v2', target: '/var/lib/x' },
    ]);
  });

  it('bind-mounts file secrets and configs read-only', () => {
    const p = makeProject('demo', { web: {
      secrets: [{ source: 'token' }, { source: 'key', target: '/etc/key' }], configs: [{ source: 'conf', target: 'app.conf' }],
    } });
    p.secrets = { token: { name: 'demo_token', file: '/srv/app/token.txt' }, key: { name: 'k', file: '/srv/app/key' } };
    p.configs = { conf: { name: 'demo_conf', file: '/srv/app/app.conf' } };
    expect(toContainerSpec(p, p.services.web!, 1).mounts).toEqual([
      { type: 'bind', source: '/srv/app/token.txt', target: '/run/secrets/token', readOnly: true },
      { type: 'bind', source: '/srv/app/key', target: '/etc/key', readOnly: true },
      { type: 'bind', source: '/srv/app/app.conf', target: '/app.conf', readOnly: true },
    ]);
  });

  it('translates networks by priority with aliases, addresses, links and the service mac address', () => {
    const spec = specOf({
      networks: {
        back: { aliases: ['api'], ipv4_address: '10.0.0.5', ipv6_address: 'fd00::5', link_local_ips: ['169.254.1.1'],
          interface_name: 'eth9', driver_opts: { a: 'b' } },
        front: { priority: 100, mac_address: '02:42:ac:11:00:02' },
      },
      mac_address: '02:00:00:00:00:01',
      links: ['db:database', 'db'], external_links: ['other_c:other'],
    }, { networks: { front: {}, back: {} } });
    expect(spec.networkMode).toBe('demo_front');
    expect(spec.macAddress).toBeUndefined();
    expect(spec.networks).toEqual([
      { network: 'demo_front', aliases: ['web', 'demo-web-1'], priority: 100, macAddress: '02:42:ac:11:00:02',
        links: ['demo-db-1:database', 'demo-db-1:db', 'other_c:other'] },
      { network: 'demo_back', aliases: ['web', 'api', 'demo-web-1'], ipv4Address: '10.0.0.5', ipv6Address: 'fd00::5',
        linkLocalIps: ['169.254.1.1'], interfaceName: 'eth9', driverOpts: { a: 'b' } },
    ]);
  });

  it('resolves service: namespaces and volumes_from to containers', () => {
    const spec = specOf({ network_mode: 'service:db', ipc: 'service:db', pid: 'host', volumes_from: ['db:ro', 'container:other', 'service:db'] });
    expect(spec.networkMode).toBe('container:demo-db-1');
    expect(spec.networks).toBeUndefined();
    expect(spec.ipcMode).toBe('container:demo-db-1');
    expect(spec.pidMode).toBe('host');
    expect(spec.volumesFrom).toEqual(['demo-db-1:ro', 'other', 'demo-db-1']);
    const p = makeProject('demo', { web: { network_mode: 'service:db' }, db: {} });
    expect(toContainerSpec(p, p.services.web!, 1, { serviceContainers: { db: 'abc123' } }).networkMode).toBe('container:abc123');
  });

  it('translates the healthcheck from nanoseconds to milliseconds, and disable to NONE', () => {
    expect(specOf({ healthcheck: { test: ['CMD', 'true'], interval: 5 * S, timeout: S / 2, retries: 3, start_period: 10 * S,
      start_interval: S } }).healthcheck).toEqual({
      test: ['CMD', 'true'], intervalMs: 5000, timeoutMs: 500, retries: 3, startPeriodMs: 10000, startIntervalMs: 1000,
    });
    expect(specOf({ healthcheck: { disable: true, test: ['CMD', 'x'] } }).healthcheck).toEqual({ test: ['NONE'] });
  });

  it('translates restart policies, from restart: or deploy.restart_policy', () => {
    expect(specOf({ restart: 'always' }).restartPolicy).toEqual({ name: 'always' });
    expect(specOf({ restart: 'on-failure:3' }).restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(specOf({ restart: 'unless-stopped' }).restartPolicy).toEqual({ name: 'unless-stopped' });
    expect(specOf({ deploy: { restart_policy: { condition: 'on-failure', max_attempts: 2 } } }).restartPolicy)
      .toEqual({ name: 'on-failure', maximumRetryCount: 2 });
    expect(specOf({ deploy: { restart_policy: { condition: 'any' } } }).restartPolicy).toEqual({ name: 'always' });
    expect(specOf({ deploy: { restart_policy: { condition: 'none' } } }).restartPolicy).toEqual({ name: 'no' });
    expect(specOf({}).restartPolicy).toBeUndefined();
  });

  it('translates resources, from the service or deploy.resources', () => {
    const spec = withoutLabels(specOf({
      network_mode: 'host', shm_size: 1024, mem_limit: 2048, mem_reservation: 1024, memswap_limit: 4096, cpus: 1.5, cpu_shares: 512,
      cpu_quota: 50000, cpu_period: 100000, cpuset: '0-1', pids_limit: 100, oom_kill_disable: true, oom_score_adj: -500,
      ulimits: { nproc: { soft: 10, hard: 20 }, nofile: { soft: 1024, hard: 2048 } },
    }));
    expect(spec).toEqual({
      name: 'demo-web-1', image: 'nginx:1.27', networkMode: 'host', shmSizeBytes: 1024, memoryBytes: 2048, memoryReservationBytes: 1024,
      memorySwapBytes: 4096, nanoCpus: 1_500_000_000, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0-1',
      pidsLimit: 100, oomKillDisable: true, oomScoreAdj: -500,
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 10, hard: 20 }],
    });
    expect(withoutLabels(specOf({ network_mode: 'host', deploy: { resources: { limits: { cpus: 0.5, memory: 100, pids: 7 },
      reservations: { memory: 50 } } } }))).toMatchObject({ nanoCpus: 500_000_000, memoryBytes: 100, pidsLimit: 7, memoryReservationBytes: 50 });
  });

  it('translates security, kernel and runtime fields', () => {
    expect(withoutLabels(specOf({
      network_mode: 'bridge', privileged: true, read_only: true, init: true, cap_add: ['NET_ADMIN'], cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'], sysctls: { 'net.core.somaxconn': '1024' },
      devices: [{ source: '/dev/fuse', target: '/dev/fuse' }, { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' }],
      uts: 'host', cgroup: 'private', cgroup_parent: 'm', runtime: 'runc', isolation: 'default', platform: 'linux/amd64',
      extra_hosts: ['db.local=10.0.0.2', 'x:10.0.0.3'], dns: ['1.1.1.1'], dns_search: ['example.org'], dns_opt: ['ndots:1'],
      stop_signal: 'SIGINT', stop_grace_period: 12_500_000_000, logging: { driver: 'json-file', options: { 'max-size': '1m' } },
    }))).toEqual({
      name: 'demo-web-1', image: 'nginx:1.27', networkMode: 'bridge', privileged: true, readOnlyRootfs: true, init: true,
      capAdd: ['NET_ADMIN'], capDrop: ['ALL'], securityOpt: ['no-new-privileges:true'], sysctls: { 'net.core.somaxconn': '1024' },
      devices: [
        { pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' },
        { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', cgroupPermissions: 'r' },
      ],
      utsMode: 'host', cgroupnsMode: 'private', cgroupParent: 'm', runtime: 'runc', isolation: 'default', platform: 'linux/amd64',
      extraHosts: ['db.local:10.0.0.2', 'x:10.0.0.3'], dns: ['1.1.1.1'], dnsSearch: ['example.org'], dnsOptions: ['ndots:1'],
      stopSignal: 'SIGINT', stopTimeoutSec: 12, log: { driver: 'json-file', options: { 'max-size': '1m' } },
    });
  });

  it('names the image <project>-<service> for a build without image', () => {
    expect(specOf({ image: undefined, build: { context: '/srv/app' } }).image).toBe('demo-web');
  });

  it('names the container by container_name', () => {
    expect(specOf({ container_name: 'the-web' }).name).toBe('the-web');
  });
});
