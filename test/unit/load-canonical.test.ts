import { describe, expect, it } from 'vitest';
import { parsePortSpec } from '../../src/model/port-spec.js';
import { parseVolumeSpec } from '../../src/model/volume-spec.js';
import { formatDuration, parseBytes, parseDuration } from '../../src/model/units.js';
import { splitShellWords } from '../../src/model/shell-words.js';
import { loadModel } from '../../src/model/loader.js';
import { renderProject } from '../../src/model/config-output.js';

describe('canonical values', () => {
  it('expands port ranges and keeps a host range on a single target', () => {
    expect(parsePortSpec('127.0.0.1:80-81:8080-8081/udp')).toEqual([
      { mode: 'ingress', host_ip: '127.0.0.1', target: 8080, published: '80', protocol: 'udp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 8081, published: '81', protocol: 'udp' },
    ]);
    expect(parsePortSpec('9090-9091:8080')).toEqual([{ mode: 'ingress', target: 8080, published: '9090-9091', protocol: 'tcp' }]);
    expect(parsePortSpec('[::1]::80')).toEqual([{ mode: 'ingress', host_ip: '::1', target: 80, protocol: 'tcp' }]);
    expect(() => parsePortSpec('80-82:8080-8081')).toThrow('invalid ranges');
  });

  it('reads short volume syntax: bind, named, anonymous, options', () => {
    expect(parseVolumeSpec('./data:/data/:ro,z')).toEqual({
      type: 'bind', source: './data', target: '/data', read_only: true, bind: { selinux: 'z', create_host_path: true },
    });
    expect(parseVolumeSpec('db:/var/lib/db:nocopy')).toEqual({ type: 'volume', source: 'db', target: '/var/lib/db', volume: { nocopy: true } });
    expect(parseVolumeSpec('/cache')).toEqual({ type: 'volume', target: '/cache', volume: {} });
    expect(parseVolumeSpec('C:\\data:/data')).toMatchObject({ type: 'bind', source: 'C:\\data' });
  });

  it('parses and prints Go durations and byte sizes', () => {
    expect(parseDuration('1m30s')).toBe(90e9);
    expect(parseDuration('1.5h')).toBe(5400e9);
    expect(formatDuration(90e9)).toBe('1m30s');
    expect(formatDuration(3600e9)).toBe('1h0m0s');
    expect(formatDuration(1500e6)).toBe('1.5s');
    expect(formatDuration(250e6)).toBe('250ms');
    expect(() => parseDuration('10')).toThrow('missing unit');
    expect(parseBytes('512m')).toBe(536870912);
    expect(parseBytes('1.5G')).toBe(1610612736);
    expect(parseBytes('1gb')).toBe(1073741824);
    expect(() => parseBytes('lots')).toThrow("invalid size: 'lots'");
  });

  it('splits commands like a shell', () => {
    expect(splitShellWords(`sh -c 'echo "a b"' "x y" z\\ w`)).toEqual(['sh', '-c', 'echo "a b"', 'x y', 'z w']);
    expect(() => splitShellWords('echo "open')).toThrow();
  });
});

describe('canonical model and config output', () => {
  const content = `
name: demo
services:
  web:
    image: nginx
    command: npm start
    ports: ["8080:80", "9000-9001:9000-9001"]
    volumes: ["./src:/app", "cache:/cache"]
    depends_on: [db]
    healthcheck:
      test: curl -f http://localhost
      interval: 1m30s
    mem_limit: 512m
    extra_hosts: ["a:1.2.3.4", "b=5.6.7.8"]
    ulimits: { nofile: 1024, nproc: { soft: 10, hard: 20 } }
    secrets: [token]
    x-note: kept
  db:
    image: postgres
    stop_grace_period: 20s
volumes:
  cache: {}
secrets:
  token:
    file: ./token.txt
`;
  const load = (text: string) =>
    loadModel({ workingDir: '/srv/demo', configFiles: [{ filename: 'compose.yaml', content: text }], environment: {} });

  it('turns every short syntax into its long form with units', () => {
    const project = load(content);
    const web = project.services.web!;
    expect(web.command).toEqual(['npm', 'start']);
    expect(web.ports).toHaveLength(3);
    expect(web.ports?.[0]).toEqual({ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' });
    expect(web.volumes?.[0]).toEqual({ type: 'bind', source: '/srv/demo/src', target: '/app', bind: { create_host_path: true } });
    expect(web.depends_on).toEqual({ db: { condition: 'service_started', restart: false, required: true } });
    expect(web.healthcheck).toEqual({ test: ['CMD-SHELL', 'curl -f http://localhost'], interval: 90e9 });
    expect(web.mem_limit).toBe(536870912);
    expect(web.extra_hosts).toEqual(['a=1.2.3.4', 'b=5.6.7.8']);
    expect(web.ulimits).toEqual({ nofile: { soft: 1024, hard: 1024 }, nproc: { soft: 10, hard: 20 } });
    expect(web.secrets).toEqual([{ source: 'token', target: '/run/secrets/token' }]);
    expect(web.extensions).toEqual({ 'x-note': 'kept' });
    expect(web.networks).toEqual({ default: null });
    expect(project.networks.default?.name).toBe('demo_default');
    expect(project.volumes.cache?.name).toBe('demo_cache');
    expect(project.secrets.token?.file).toBe('/srv/demo/token.txt');
    expect(project.services.db?.stop_grace_period).toBe(20e9);
  });

  it('prints canonical YAML that loads back into the same model', () => {
    const project = load(content);
    const yaml = renderProject(project, 'yaml');
    expect(yaml.startsWith('name: demo\n')).toBe(true);
    expect(yaml).toContain('published: "8080"');
    expect(yaml).toContain('interval: 1m30s');
    expect(yaml).toContain('mem_limit: "536870912"');
    const again = load(yaml);
    expect(again.services).toEqual(project.services);
    expect(again.networks).toEqual(project.networks);
    expect(load(renderProject(project, 'json')).services).toEqual(project.services);
  });
});
