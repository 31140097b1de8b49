import { describe, expect, it } from 'vitest';
import { planImages, reconcile } from '../../../src/reconcile/reconcile.js';
import { emptyObservedState } from '../../../src/reconcile/observe.js';
import type { CreateNetworkOp, CreateVolumeOp } from '../../../src/reconcile/plan.js';
import { Label, deployed, deployedNetwork, deployedVolume, imagesOnly, lines, makeProject, text } from './plan-fixtures.js';

const front = { networks: { front: null } };
const dataVolume = { volumes: [{ type: 'volume' as const, source: 'data', target: '/data' }] };

describe('reconcile: networks', () => {
  it('creates a missing declared network with its labels and options', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: { driver: 'bridge', internal: true, labels: { tier: 'a' } } } });
    const plan = reconcile(p, imagesOnly(p));
    expect(text(plan)).toBe(lines(
      '#1 create network demo_front: missing',
      '#2 create container demo-web-1 (after #1): missing',
      '#3 start container demo-web-1 (after #2): new container',
    ));
    const spec = (plan.operations[0] as CreateNetworkOp).spec;
    expect(spec).toMatchObject({ name: 'demo_front', driver: 'bridge', internal: true });
    expect(spec.labels).toMatchObject({ tier: 'a', [Label.project]: 'demo', [Label.network]: 'front' });
    expect(spec.labels![Label.configHash]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses the name: of a network', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: { name: 'shared-front' } } });
    expect(text(reconcile(p, imagesOnly(p))).split('\n')[0]).toBe('#1 create network shared-front: missing');
  });

  it('fails naming a missing external network', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: { external: true, name: 'corp' } } });
    expect(() => reconcile(p, imagesOnly(p))).toThrow('network corp declared as external, but could not be found');
  });

  it('uses an existing external network without creating it', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: { external: true, name: 'corp' } } });
    const observed = imagesOnly(p);
    observed.networks.push(deployedNetwork(p, 'front'));
    expect(text(reconcile(p, observed))).toBe(lines(
      '#1 create container demo-web-1: missing',
      '#2 start container demo-web-1 (after #1): new container',
    ));
  });

  it('fails naming the changed field of a drifted network', () => {
    const old = makeProject('demo', { web: front }, { networks: { front: { ipam: { config: [{ subnet: '10.1.0.0/16' }] } } } });
    const p = makeProject('demo', { web: front }, { networks: { front: { ipam: { config: [{ subnet: '10.2.0.0/16' }] } } } });
    expect(() => reconcile(p, deployed(old))).toThrow(
      'network "demo_front" exists but does not match the compose file (ipam.config[0].subnet "10.1.0.0/16" → "10.2.0.0/16"); '
      + 'allow recreating changed networks or remove it');
  });

  it('recreates a drifted network when allowed, replacing the attached containers', () => {
    const old = makeProject('demo', { web: front }, { networks: { front: { driver_opts: { mtu: '1400' } } } });
    const p = makeProject('demo', { web: front }, { networks: { front: { driver_opts: { mtu: '1500' } } } });
    expect(text(reconcile(p, deployed(old), { recreateNetworks: true }))).toBe(lines(
      '#1 disconnect container demo-web-1 from network demo_front: network demo_front recreated',
      '#2 remove network demo_front (after #1): config changed: driver_opts.mtu "1400" → "1500"',
      '#3 create network demo_front (after #2): config changed: driver_opts.mtu "1400" → "1500"',
      '#4 create container demo-web-1 as web1aaaaaaaa_demo-web-1 (after #3): network demo_front recreated',
      '#5 stop container demo-web-1 (after #4): replaced by #4',
      '#6 remove container demo-web-1 (after #5): replaced by #4',
      '#7 rename container web1aaaaaaaa_demo-web-1 → demo-web-1 (after #6): finalize recreate',
      '#8 start container demo-web-1 (after #7): recreated',
    ));
  });

  it('reconnects containers outside the selection to a recreated network', () => {
    const old = makeProject('demo', { web: front, api: front }, { networks: { front: { internal: false } } });
    const p = makeProject('demo', { web: front, api: front }, { networks: { front: { internal: true } } });
    const t = text(reconcile(p, deployed(old), { recreateNetworks: true, services: ['web'] }));
    expect(t.split('\n').slice(0, 5)).toEqual([
      '#1 disconnect container demo-api-1 from network demo_front: network demo_front recreated',
      '#2 disconnect container demo-web-1 from network demo_front: network demo_front recreated',
      '#3 remove network demo_front (after #1 #2): config changed: internal false → true',
      '#4 create network demo_front (after #3): config changed: internal false → true',
      '#5 connect container demo-api-1 to network demo_front (after #4): network demo_front recreated',
    ]);
  });

  it('reuses a network another tool created, with a warning', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: {} } });
    const observed = imagesOnly(p);
    observed.networks.push({ ...deployedNetwork(p, 'front'), labels: {} });
    expect(text(reconcile(p, observed))).toBe(lines(
      '#1 create container demo-web-1: missing',
      '#2 start container demo-web-1 (after #1): new container',
      'warning: network "demo_front" already exists but was not created by Flotilla or Docker Compose; set external: true to use it as such',
    ));
  });

  it('reuses a labelled network without a hash (legacy)', () => {
    const p = makeProject('demo', { web: front }, { networks: { front: { internal: true } } });
    const observed = deployed(p);
    observed.networks = [deployedNetwork(p, 'front', { [Label.configHash]: '' })];
    expect(text(reconcile(p, observed))).toBe('nothing to do');
  });

  it('creates a network only the selected services use', () => {
    const p = makeProject('demo', { web: front, api: { networks: { back: null } } }, { networks: { front: {}, back: {} } });
    expect(text(reconcile(p, imagesOnly(p), { services: ['api'] })).split('\n')[0]).toBe('#1 create network demo_back: missing');
  });

  it('creates no network for network_mode host', () => {
    const p = makeProject('demo', { web: { network_mode: 'host' } });
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create container demo-web-1: missing',
      '#2 start container demo-web-1 (after #1): new container',
    ));
  });
});

describe('reconcile: volumes', () => {
  it('creates a missing volume before the containers mounting it', () => {
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: { driver: 'local', driver_opts: { type: 'tmpfs' } } } });
    const plan = reconcile(p, imagesOnly(p));
    expect(text(plan)).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create volume demo_data: missing',
      '#3 create container demo-db-1 (after #1 #2): missing',
      '#4 start container demo-db-1 (after #3): new container',
    ));
    expect((plan.operations[1] as CreateVolumeOp).spec).toMatchObject({ name: 'demo_data', driver: 'local', driverOpts: { type: 'tmpfs' },
      labels: { [Label.project]: 'demo', [Label.volume]: 'data' } });
  });

  it('fails naming a missing external volume', () => {
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: { external: true, name: 'pgdata' } } });
    expect(() => reconcile(p, imagesOnly(p))).toThrow('external volume "pgdata" not found');
  });

  it('lists every missing external resource in one error', () => {
    const p = makeProject('demo', { db: { ...dataVolume, ...front } },
      { volumes: { data: { external: true } }, networks: { front: { external: true } } });
    expect(() => reconcile(p, imagesOnly(p))).toThrow(
      'network front declared as external, but could not be found; external volume "data" not found');
  });

  it('fails naming the changed field of a drifted volume', () => {
    const old = makeProject('demo', { db: dataVolume }, { volumes: { data: { driver_opts: { o: 'size=1g' } } } });
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: { driver_opts: { o: 'size=2g' } } } });
    expect(() => reconcile(p, deployed(old))).toThrow(
      'volume "demo_data" exists but does not match the compose file (driver_opts.o "size=1g" → "size=2g"); allow recreating changed volumes or remove it');
  });

  it('an explicit driver local is no drift', () => {
    const old = makeProject('demo', { db: dataVolume }, { volumes: { data: {} } });
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: { driver: 'local' } } });
    expect(text(reconcile(p, deployed(old)))).toBe('nothing to do');
  });

  it('recreates a drifted volume when allowed: containers removed first, then created afresh', () => {
    const old = makeProject('demo', { db: dataVolume }, { volumes: { data: { labels: { v: '1' } } } });
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: { labels: { v: '2' } } } });
    expect(text(reconcile(p, deployed(old), { recreateVolumes: true }))).toBe(lines(
      '#1 stop container demo-db-1: volume demo_data recreated',
      '#2 remove container demo-db-1 (after #1): volume demo_data recreated',
      '#3 remove volume demo_data (after #2): config changed: labels.v "1" → "2"',
      '#4 create volume demo_data (after #3): config changed: labels.v "1" → "2"',
      '#5 create container demo-db-1 (after #4): volume demo_data recreated',
      '#6 start container demo-db-1 (after #5): recreated',
    ));
  });

  it('reuses a volume another tool created, with a warning', () => {
    const p = makeProject('demo', { db: dataVolume }, { volumes: { data: {} } });
    const observed = imagesOnly(p);
    observed.volumes.push({ ...deployedVolume(p, 'data'), labels: {} });
    expect(text(reconcile(p, observed)).split('\n').at(-1)).toBe(
      'warning: volume "demo_data" already exists but was not created by Flotilla or Docker Compose; set external: true to use it as such');
  });
});

describe('reconcile: images', () => {
  it('pulls a missing image once for all services using it, before creating', () => {
    const p = makeProject('demo', { a: { image: 'redis:7' }, b: { image: 'redis:7' } });
    expect(text(reconcile(p, emptyObservedState('demo')))).toBe(lines(
      '#1 pull image redis:7: missing locally',
      '#2 create network demo_default: missing',
      '#3 create container demo-a-1 (after #1 #2): missing',
      '#4 start container demo-a-1 (after #3): new container',
      '#5 create container demo-b-1 (after #1 #2): missing',
      '#6 start container demo-b-1 (after #5): new container',
    ));
  });

  it('pulls always with pull_policy always or the pull option', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p), { pull: 'always' }))).toBe('#1 pull image nginx:1.27: pull_policy always');
  });

  it('fails when an image is missing and may not be pulled', () => {
    const p = makeProject('demo', { web: { pull_policy: 'never' } });
    expect(() => reconcile(p, emptyObservedState('demo'))).toThrow(
      'image nginx:1.27 for service web is not present locally and may not be pulled or built');
  });

  it('builds a missing image of a service with build, tagged <project>-<service>', () => {
    const p = makeProject('demo', { api: { image: undefined, build: { context: '/srv/app/api' } } });
    expect(text(reconcile(p, emptyObservedState('demo'))).split('\n').slice(0, 3)).toEqual([
      '#1 build image demo-api: missing locally',
      '#2 create network demo_default: missing',
      '#3 create container demo-api-1 (after #1 #2): missing',
    ]);
  });

  it('builds a present image with build: true, not with build: false', () => {
    const p = makeProject('demo', { api: { image: undefined, build: { context: '/srv/app/api' } } });
    expect(text(reconcile(p, deployed(p), { build: true }))).toBe('#1 build image demo-api: build requested');
    expect(text(reconcile(p, deployed(p), { build: false }))).toBe('nothing to do');
  });

  it('plans no image operation with skipImages', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p), { pull: 'always', skipImages: true }))).toBe('nothing to do');
  });

  it('planImages plans only pulls and builds', () => {
    const p = makeProject('demo', { web: {}, api: { image: undefined, build: { context: '/x' } }, off: { scale: 0, image: 'x:1' } });
    expect(text(planImages(p, emptyObservedState('demo')))).toBe(lines(
      '#1 build image demo-api: missing locally',
      '#2 pull image nginx:1.27: missing locally',
    ));
  });
});
