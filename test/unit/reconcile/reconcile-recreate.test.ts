import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import type { CreateContainerOp } from '../../../src/reconcile/plan.js';
import {
  Label, NEW_IMAGE_ID, deployed, lines, makeProject, text, type ServiceInput,
} from './plan-fixtures.js';

const recreateWeb = (reason: string): string => lines(
  `#1 create container demo-web-1 as web1aaaaaaaa_demo-web-1: ${reason}`,
  '#2 stop container demo-web-1 (after #1): replaced by #1',
  '#3 remove container demo-web-1 (after #2): replaced by #1',
  '#4 rename container web1aaaaaaaa_demo-web-1 → demo-web-1 (after #3): finalize recreate',
  '#5 start container demo-web-1 (after #4): recreated',
);

function changed(before: ServiceInput, after: ServiceInput): string {
  const p = makeProject('demo', { web: before });
  const q = makeProject('demo', { web: after });
  const observed = deployed(p);
  observed.imageIds[q.services.web!.image!] = observed.imageIds[p.services.web!.image!]!;
  return text(reconcile(q, observed));
}

describe('reconcile: recreate on config change, with the field diff as reason', () => {
  it('names a changed environment variable', () => {
    expect(changed({ environment: { LOG_LEVEL: 'info' } }, { environment: { LOG_LEVEL: 'debug' } }))
      .toBe(recreateWeb('config changed: environment.LOG_LEVEL "info" → "debug"'));
  });

  it('names an added and a removed variable', () => {
    expect(changed({ environment: { A: '1' } }, { environment: { B: '2' } }))
      .toBe(recreateWeb('config changed: environment.A "1" → (unset), environment.B (unset) → "2"'));
  });

  it('names a changed published port', () => {
    const port = { mode: 'ingress', target: 80, protocol: 'tcp' } as const;
    expect(changed({ ports: [{ ...port, published: '8080' }] }, { ports: [{ ...port, published: '8081' }] }))
      .toBe(recreateWeb('config changed: ports[0].published "8080" → "8081"'));
  });

  it('names a changed image reference', () => {
    expect(changed({ image: 'nginx:1.27' }, { image: 'nginx:1.28' }).split('\n')[0])
      .toBe('#1 create container demo-web-1 as web1aaaaaaaa_demo-web-1: config changed: image "nginx:1.27" → "nginx:1.28"');
  });

  it('quotes label keys that are not identifiers', () => {
    expect(changed({ labels: { 'com.example.tier': 'a' } }, { labels: { 'com.example.tier': 'b' } }).split('\n')[0])
      .toBe('#1 create container demo-web-1 as web1aaaaaaaa_demo-web-1: config changed: labels["com.example.tier"] "a" → "b"');
  });

  it('shows at most three changes then a count', () => {
    expect(changed({ environment: {} }, { environment: { A: '1', B: '2', C: '3', D: '4', E: '5' } }).split('\n')[0])
      .toBe('#1 create container demo-web-1 as web1aaaaaaaa_demo-web-1: config changed: environment.A (unset) → "1", '
        + 'environment.B (unset) → "2", environment.C (unset) → "3", and 2 more');
  });

  it('names a changed command element', () => {
    expect(changed({ command: ['serve', '--port', '80'] }, { command: ['serve', '--port', '81'] }).split('\n')[0])
      .toContain('config changed: command[2] "80" → "81"');
  });

  it('says when the container was made by another tool (no config label of ours)', () => {
    const p = makeProject('demo', { web: {} });
    const observed = deployed(p, { 'web:1': { labels: { [Label.configHash]: 'f'.repeat(64) }, withoutLabels: [Label.flotillaConfig] } });
    expect(text(reconcile(p, observed))).toBe(recreateWeb('created by another tool: hash differs, recreated once'));
  });

  it('says hash differs when our label shows no field difference', () => {
    const p = makeProject('demo', { web: {} });
    const observed = deployed(p, { 'web:1': { labels: { [Label.configHash]: 'f'.repeat(64) } } });
    expect(text(reconcile(p, observed))).toBe(recreateWeb('config changed: hash differs'));
  });

  it('accepts a plain JSON config label', () => {
    const p = makeProject('demo', { web: { environment: { A: '1' } } });
    const observed = deployed(p, { 'web:1': { labels: { [Label.configHash]: 'x',
      [Label.flotillaConfig]: '{"environment":{"A":"0"},"image":"nginx:1.27","networks":{"default":null}}' } } });
    expect(text(reconcile(p, observed))).toBe(recreateWeb('config changed: environment.A "0" → "1"'));
  });

  it('recreates a stopped container whose config changed and starts it', () => {
    const p = makeProject('demo', { web: { environment: { A: '1' } } });
    const q = makeProject('demo', { web: { environment: { A: '2' } } });
    expect(text(reconcile(q, deployed(p, { 'web:1': { state: 'exited' } })))).toBe(recreateWeb('config changed: environment.A "1" → "2"'));
  });

  it('labels the replacement with the replaced name and keeps the final name for rename', () => {
    const p = makeProject('demo', { web: { environment: { A: '1' } } });
    const q = makeProject('demo', { web: { environment: { A: '2' } } });
    const plan = reconcile(q, deployed(p));
    const create = plan.operations[0] as CreateContainerOp;
    expect(create.spec.name).toBe('web1aaaaaaaa_demo-web-1');
    expect(create.spec.labels[Label.replace]).toBe('demo-web-1');
    expect(create.replaces).toEqual({ id: expect.stringMatching(/^web1aaaaaaaa/), name: 'demo-web-1' });
    expect(plan.operations.map((o) => o.group)).toEqual(['recreate:web:1', 'recreate:web:1', 'recreate:web:1', 'recreate:web:1', undefined]);
  });
});

describe('reconcile: other recreate triggers', () => {
  it('recreates when the tag now names another image', () => {
    const p = makeProject('demo', { web: {} });
    const observed = deployed(p);
    observed.imageIds['nginx:1.27'] = NEW_IMAGE_ID;
    expect(text(reconcile(p, observed))).toBe(recreateWeb('image changed: sha256:111111111111… → sha256:222222222222…'));
  });

  it('does not compare images a pull of this plan may change', () => {
    const p = makeProject('demo', { web: { pull_policy: 'always' } });
    const observed = deployed(p);
    observed.imageIds['nginx:1.27'] = NEW_IMAGE_ID;
    expect(text(reconcile(p, observed))).toBe('#1 pull image nginx:1.27: pull_policy always');
  });

  it('recreates a running container not connected to its network', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p, { 'web:1': { networks: {} } })))).toBe(recreateWeb('not connected to network demo_default'));
  });

  it('recreates a container that lacks a named volume mount', () => {
    const p = makeProject('demo', { web: { volumes: [{ type: 'volume', source: 'data', target: '/data' }] } }, { volumes: { data: {} } });
    expect(text(reconcile(p, deployed(p, { 'web:1': { mounts: [] } })))).toBe(recreateWeb('volume demo_data not mounted at /data'));
  });

  it('force-recreates up-to-date containers of the selected services', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p), { forceRecreate: true }))).toBe(recreateWeb('forced'));
  });

  it('never recreates with noRecreate, but still starts', () => {
    const p = makeProject('demo', { web: { environment: { A: '1' } } });
    const q = makeProject('demo', { web: { environment: { A: '2' } } });
    expect(text(reconcile(q, deployed(p), { noRecreate: true }))).toBe('nothing to do');
    expect(text(reconcile(q, deployed(p, { 'web:1': { state: 'exited' } }), { noRecreate: true })))
      .toBe('#1 start container demo-web-1: not running (exited)');
  });

  it('force-recreates only selected services, dependencies only with alwaysRecreateDeps', () => {
    const services = { db: {}, web: { depends_on: { db: { condition: 'service_started', restart: false, required: true } } } } as const;
    const p = makeProject('demo', services);
    expect(text(reconcile(p, deployed(p), { services: ['web'], forceRecreate: true }))).toBe(recreateWeb('forced'));
    expect(text(reconcile(p, deployed(p), { services: ['web'], forceRecreate: true, alwaysRecreateDeps: true }))).toBe(lines(
      '#1 create container demo-db-1 as db1aaaaaaaaa_demo-db-1: forced',
      '#2 stop container demo-db-1 (after #1): replaced by #1',
      '#3 remove container demo-db-1 (after #2): replaced by #1',
      '#4 rename container db1aaaaaaaaa_demo-db-1 → demo-db-1 (after #3): finalize recreate',
      '#5 start container demo-db-1 (after #4): recreated',
      '#6 create container demo-web-1 as web1aaaaaaaa_demo-web-1 (after #4): forced',
      '#7 stop container demo-web-1 (after #6): replaced by #6',
      '#8 remove container demo-web-1 (after #7): replaced by #6',
      '#9 rename container web1aaaaaaaa_demo-web-1 → demo-web-1 (after #8): finalize recreate',
      '#10 start container demo-web-1 (after #5 #9): recreated',
    ));
  });

  it('does not cascade a recreate through an ordinary depends_on', () => {
    const dep = { condition: 'service_started', restart: false, required: true } as const;
    const p = makeProject('demo', { db: { environment: { A: '1' } }, web: { depends_on: { db: dep } } });
    const q = makeProject('demo', { db: { environment: { A: '2' } }, web: { depends_on: { db: dep } } });
    expect(text(reconcile(q, deployed(p)))).toBe(lines(
      '#1 create container demo-db-1 as db1aaaaaaaaa_demo-db-1: config changed: environment.A "1" → "2"',
      '#2 stop container demo-db-1 (after #1): replaced by #1',
      '#3 remove container demo-db-1 (after #2): replaced by #1',
      '#4 rename container db1aaaaaaaaa_demo-db-1 → demo-db-1 (after #3): finalize recreate',
      '#5 start container demo-db-1 (after #4): recreated',
    ));
  });
});

describe('reconcile: shared namespaces and restart: true dependents', () => {
  const ns = { condition: 'service_started', restart: true, required: true } as const;

  it('recreates a service in the network namespace of a recreated one (already being replaced: not stopped twice)', () => {
    const p = makeProject('demo', { vpn: { environment: { A: '1' } }, app: { network_mode: 'service:vpn', depends_on: { vpn: ns } } });
    const q = makeProject('demo', { vpn: { environment: { A: '2' } }, app: { network_mode: 'service:vpn', depends_on: { vpn: ns } } });
    const plan = reconcile(q, deployed(p));
    expect(text(plan)).toBe(lines(
      '#1 create container demo-vpn-1 as vpn1aaaaaaaa_demo-vpn-1: config changed: environment.A "1" → "2"',
      '#2 stop container demo-vpn-1 (after #1): replaced by #1',
      '#3 remove container demo-vpn-1 (after #2): replaced by #1',
      '#4 rename container vpn1aaaaaaaa_demo-vpn-1 → demo-vpn-1 (after #3): finalize recreate',
      '#5 start container demo-vpn-1 (after #4): recreated',
      '#6 create container demo-app-1 as app1aaaaaaaa_demo-app-1 (after #4): shares namespace or volumes with vpn, which is replaced',
      '#7 stop container demo-app-1 (after #6): replaced by #6',
      '#8 remove container demo-app-1 (after #7): replaced by #6',
      '#9 rename container app1aaaaaaaa_demo-app-1 → demo-app-1 (after #8): finalize recreate',
      '#10 start container demo-app-1 (after #5 #9): recreated',
    ));
    // The namespace points at the parent's final name: its new id is not known when planning.
    expect((plan.operations[5] as CreateContainerOp).spec.networkMode).toBe('container:demo-vpn-1');
  });

  it('points an unchanged namespace parent at its container id', () => {
    const p = makeProject('demo', { vpn: {}, app: { network_mode: 'service:vpn', environment: { A: '1' }, depends_on: { vpn: ns } } });
    const q = makeProject('demo', { vpn: {}, app: { network_mode: 'service:vpn', environment: { A: '2' }, depends_on: { vpn: ns } } });
    const create = reconcile(q, deployed(p)).operations[0] as CreateContainerOp;
    expect(create.spec.networkMode).toMatch(/^container:vpn1aaaaaaaab+$/);
  });

  it('recreates a volumes_from child of a recreated service', () => {
    const dep = { condition: 'service_started', restart: false, required: true } as const;
    const p = makeProject('demo', { data: { environment: { A: '1' } }, app: { volumes_from: ['data:ro'], depends_on: { data: dep } } });
    const q = makeProject('demo', { data: { environment: { A: '2' } }, app: { volumes_from: ['data:ro'], depends_on: { data: dep } } });
    const t = text(reconcile(q, deployed(p)));
    expect(t).toContain('#6 create container demo-app-1 as app1aaaaaaaa_demo-app-1 (after #4): shares namespace or volumes with data, which is replaced');
  });

  it('stops restart: true dependents before the dependency is replaced and starts them after', () => {
    const p = makeProject('demo', { db: { environment: { A: '1' } }, web: { depends_on: { db: { ...ns, condition: 'service_healthy' } } } });
    const q = makeProject('demo', { db: { environment: { A: '2' } }, web: { depends_on: { db: { ...ns, condition: 'service_healthy' } } } });
    expect(text(reconcile(q, deployed(p)))).toBe(lines(
      '#1 create container demo-db-1 as db1aaaaaaaaa_demo-db-1: config changed: environment.A "1" → "2"',
      '#2 stop container demo-web-1: dependency db is recreated',
      '#3 stop container demo-db-1 (after #1 #2): replaced by #1',
      '#4 remove container demo-db-1 (after #3): replaced by #1',
      '#5 rename container db1aaaaaaaaa_demo-db-1 → demo-db-1 (after #4): finalize recreate',
      '#6 start container demo-db-1 (after #5): recreated',
      '#7 wait for db healthy (after #6): web depends on db',
      '#8 start container demo-web-1 (after #7): restart after dependency db was recreated',
    ));
  });

  it('does not stop dependents that are not running', () => {
    const p = makeProject('demo', { db: { environment: { A: '1' } }, web: { depends_on: { db: ns } } });
    const q = makeProject('demo', { db: { environment: { A: '2' } }, web: { depends_on: { db: ns } } });
    const t = text(reconcile(q, deployed(p, { 'web:1': { state: 'exited' } })));
    expect(t).not.toContain('dependency db is recreated');
    expect(t).toContain('start container demo-web-1 (after #5): not running (exited)');
  });
});

describe('reconcile: anonymous volumes', () => {
  const anon = { volumes: [{ type: 'volume' as const, target: '/cache' }] };

  it('carries anonymous volumes over to the replacement', () => {
    const p = makeProject('demo', { web: { ...anon, environment: { A: '1' } } });
    const q = makeProject('demo', { web: { ...anon, environment: { A: '2' } } });
    const plan = reconcile(q, deployed(p));
    const create = plan.operations[0] as CreateContainerOp;
    expect(create.spec.mounts).toEqual([{ type: 'volume', source: 'anon-web-1-_cache', target: '/cache' }]);
    expect(plan.operations[2]).toMatchObject({ kind: 'RemoveContainer', removeVolumes: false });
  });

  it('carries over volumes the image declares', () => {
    const p = makeProject('demo', { web: { environment: { A: '1' } } });
    const q = makeProject('demo', { web: { environment: { A: '2' } } });
    const observed = deployed(p, { 'web:1': { mounts: [{ type: 'volume', name: 'anon-img', source: '', destination: '/var/lib/x', readOnly: false }] } });
    observed.imageVolumes['nginx:1.27'] = ['/var/lib/x'];
    const create = reconcile(q, observed).operations[0] as CreateContainerOp;
    expect(create.spec.mounts).toEqual([{ type: 'volume', source: 'anon-img', target: '/var/lib/x' }]);
  });

  it('renews anonymous volumes with renewAnonVolumes (and recreates even when up to date)', () => {
    const p = makeProject('demo', { web: anon });
    const plan = reconcile(p, deployed(p), { renewAnonVolumes: true });
    expect(text(plan)).toBe(recreateWeb('forced'));
    expect((plan.operations[0] as CreateContainerOp).spec.mounts).toEqual([{ type: 'volume', target: '/cache' }]);
    expect(plan.operations[2]).toMatchObject({ kind: 'RemoveContainer', removeVolumes: true });
  });
});
