import { describe, expect, it } from 'vitest';
import { PlanBuilder, renderPlanJson, renderPlanText, renderOperation } from '../../../src/reconcile/plan.js';
import { diffValues, formatChanges } from '../../../src/reconcile/config-diff.js';
import {
  decodeConfigLabel, dependsOnLabel, encodeConfigLabel, parseDependsOnLabel, volumeConfigHash,
} from '../../../src/reconcile/labels.js';
import { containerName, networkName, oneOffContainerName, temporaryContainerName, volumeName } from '../../../src/reconcile/names.js';
import { dependencyOrder, reverseDependencyOrder, withDependencies, withDependents } from '../../../src/reconcile/order.js';
import { observeProject } from '../../../src/reconcile/observe.js';
import { NotFoundError } from '../../../src/engine/errors.js';
import type { Engine } from '../../../src/engine/types.js';
import { Label, deployedContainer, deployedNetwork, makeProject, makeService } from './plan-fixtures.js';

describe('Plan', () => {
  it('numbers operations, drops forward and duplicate dependencies, renders every kind', () => {
    const b = new PlanBuilder('demo');
    const net = b.add({ kind: 'CreateNetwork', resource: 'network:default', dependsOn: [], reason: 'missing', key: 'default', spec: { name: 'demo_default' } });
    const c = b.add({ kind: 'CreateContainer', resource: 'service:web:1', dependsOn: [net, net, 99], reason: 'missing', service: 'web', number: 1,
      name: 'demo-web-1', spec: { name: 'demo-web-1', image: 'nginx', labels: {} } });
    b.add({ kind: 'ConnectNetwork', resource: 'service:web:1', dependsOn: [c], reason: 'r', service: 'web', container: { createdBy: c, name: 'demo-web-1' },
      network: 'demo_x', options: {} });
    b.add({ kind: 'DisconnectNetwork', resource: 'service:web:1', dependsOn: [], reason: 'r', service: 'web', container: { id: 'x', name: 'demo-web-1' },
      network: 'demo_x', force: true });
    b.add({ kind: 'RemoveImage', resource: 'image:nginx', dependsOn: [], reason: 'down --rmi all', image: 'nginx' });
    b.add({ kind: 'WaitCondition', resource: 'service:web', dependsOn: [], reason: 'wait requested', service: 'web', condition: 'running_or_healthy',
      required: true, containers: [] });
    b.warn('careful');
    expect(renderPlanText(b.build())).toBe([
      '#1 create network demo_default: missing',
      '#2 create container demo-web-1 (after #1): missing',
      '#3 connect container demo-web-1 to network demo_x (after #2): r',
      '#4 disconnect container demo-web-1 from network demo_x: r',
      '#5 remove image nginx: down --rmi all',
      '#6 wait for web running or healthy: wait requested',
      'warning: careful',
    ].join('\n'));
    expect(b.get(2)!.dependsOn).toEqual([1]);
  });

  it('renders JSON with sorted keys and every field', () => {
    const b = new PlanBuilder('demo');
    b.add({ kind: 'RemoveVolume', resource: 'volume:data', dependsOn: [], reason: 'down --volumes', name: 'demo_data', key: 'data' });
    const json = JSON.parse(renderPlanJson(b.build()));
    expect(json).toEqual({ operations: [{ dependsOn: [], id: 1, key: 'data', kind: 'RemoveVolume', name: 'demo_data',
      reason: 'down --volumes', resource: 'volume:data' }], project: 'demo', warnings: [] });
    expect(renderPlanJson(b.build()).indexOf('"dependsOn"')).toBeLessThan(renderPlanJson(b.build()).indexOf('"id"'));
  });

  it('renders one operation', () => {
    const b = new PlanBuilder('demo');
    b.add({ kind: 'PullImage', resource: 'image:redis', dependsOn: [], reason: 'missing locally', image: 'redis', services: ['a'] });
    expect(renderOperation(b.build().operations[0]!)).toBe('#1 pull image redis: missing locally');
  });
});

describe('config diff', () => {
  it('finds nested, indexed and quoted paths', () => {
    const changes = diffValues({ a: { b: 1 }, list: [1, 2], 'x.y': true }, { a: { b: 2 }, list: [1], 'x.y': false });
    expect(changes.map((c) => c.path)).toEqual(['a.b', 'list[1]', '["x.y"]']);
    expect(formatChanges(changes)).toBe('a.b 1 → 2, list[1] 2 → (unset), ["x.y"] true → false');
  });

  it('shortens long values', () => {
    expect(formatChanges(diffValues({ s: 'x'.repeat(100) }, { s: 'y' }))).toBe(`s "${'x'.repeat(38)}… → "y"`);
  });

  it('finds nothing between equal values whatever the key order', () => {
    expect(diffValues({ a: 1, b: [{ c: 2, d: 3 }] }, { b: [{ d: 3, c: 2 }], a: 1 })).toEqual([]);
  });
});

describe('labels and names', () => {
  it('round-trips the config label and the depends_on label', () => {
    const service = makeService('web', { environment: { A: '1' } });
    expect(decodeConfigLabel(encodeConfigLabel(service))).toMatchObject({ environment: { A: '1' }, image: 'nginx:1.27' });
    expect(decodeConfigLabel('not base64 json')).toBeUndefined();
    const deps = makeService('web', { depends_on: { db: { condition: 'service_healthy', restart: true, required: true },
      cache: { condition: 'service_started', restart: false, required: false } } });
    expect(dependsOnLabel(deps)).toBe('cache:service_started:false,db:service_healthy:true');
    expect(parseDependsOnLabel('cache:service_started:false,db:service_healthy:true')).toEqual({
      cache: { condition: 'service_started', restart: false }, db: { condition: 'service_healthy', restart: true } });
  });

  it('defaults a volume driver to local in its hash', () => {
    expect(volumeConfigHash({ name: 'v' })).toBe(volumeConfigHash({ name: 'v', driver: 'local' }));
    expect(volumeConfigHash({ name: 'v' })).not.toBe(volumeConfigHash({ name: 'v', driver: 'nfs' }));
  });

  it('names containers, one-offs, temporaries, networks and volumes like Docker Compose', () => {
    const p = makeProject('demo', { web: {} }, { networks: { front: { name: 'custom' } }, volumes: { data: {} } });
    const web = p.services.web!;
    expect(containerName(p, web, 3)).toBe('demo-web-3');
    expect(containerName(p, web, 3, { compatibility: true })).toBe('demo_web_3');
    expect(oneOffContainerName(p, web, '0123456789abcdef')).toBe('demo-web-run-0123456789ab');
    expect(temporaryContainerName('0123456789abcdef', 'demo-web-1')).toBe('0123456789ab_demo-web-1');
    expect(networkName(p, 'front')).toBe('custom');
    expect(networkName(p, 'default')).toBe('demo_default');
    expect(volumeName(p, 'data')).toBe('demo_data');
  });
});

describe('dependency order', () => {
  const graph = { web: ['db', 'cache'], db: [], cache: [], proxy: ['web'], lone: [] };
  it('orders dependencies first, names sorted among ready ones', () => {
    expect(dependencyOrder(graph)).toEqual(['cache', 'db', 'lone', 'web', 'proxy']);
    expect(reverseDependencyOrder(graph)).toEqual(['proxy', 'web', 'lone', 'db', 'cache']);
  });
  it('closes over dependencies and dependents', () => {
    expect([...withDependencies(graph, ['proxy'])].sort()).toEqual(['cache', 'db', 'proxy', 'web']);
    expect([...withDependents(graph, ['db'])].sort()).toEqual(['db', 'proxy', 'web']);
  });
  it('names a cycle', () => {
    expect(() => dependencyOrder({ a: ['b'], b: ['c'], c: ['b'] })).toThrow('dependency cycle detected: b -> c -> b');
  });
});

describe('observeProject', () => {
  it('lists by label, keeps declared networks by name, and inspects each image once', async () => {
    const p = makeProject('demo', { web: {}, api: { image: 'api:1' }, more: {} }, { networks: { corp: { external: true } } });
    const calls: string[] = [];
    const c2 = deployedContainer(p, 'web', 2);
    const c1 = deployedContainer(p, 'web', 1);
    const engine = {
      listContainers: async (o: unknown) => { calls.push(`containers ${JSON.stringify(o)}`); return [c2, c1]; },
      listNetworks: async () => { calls.push('networks'); return [
        deployedNetwork(p, 'default'), { ...deployedNetwork(p, 'default'), name: 'unrelated', labels: {} },
        { ...deployedNetwork(p, 'corp'), labels: {} }]; },
      listVolumes: async () => { calls.push('volumes'); return []; },
      inspectImage: async (ref: string) => {
        calls.push(`image ${ref}`);
        if (ref === 'api:1') throw new NotFoundError('image', ref);
        return { id: 'sha256:n', config: { volumes: ['/v'] } };
      },
    } as unknown as Engine;
    const observed = await observeProject(engine, p);
    expect(calls.sort()).toEqual(['containers {"all":true,"labels":{"com.docker.compose.project":"demo"}}', 'image api:1',
      'image nginx:1.27', 'networks', 'volumes']);
    expect(observed.containers.map((c) => c.name)).toEqual(['demo-web-1', 'demo-web-2']);
    expect(observed.networks.map((n) => n.name)).toEqual(['corp', 'demo_default']);
    expect(observed.imageIds).toEqual({ 'nginx:1.27': 'sha256:n' });
    expect(observed.imageVolumes).toEqual({ 'nginx:1.27': ['/v'] });
    expect(observed.containers[0]!.labels[Label.project]).toBe('demo');
  });

  it('works from a project name alone', async () => {
    const engine = {
      listContainers: async () => [], listNetworks: async () => [], listVolumes: async () => [],
      inspectImage: async () => { throw new Error('not expected'); },
    } as unknown as Engine;
    expect(await observeProject(engine, 'demo')).toEqual({ project: 'demo', containers: [], networks: [], volumes: [], imageIds: {}, imageVolumes: {} });
  });
});
