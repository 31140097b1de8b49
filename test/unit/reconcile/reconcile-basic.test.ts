import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { ReconcileError } from '../../../src/reconcile/errors.js';
import { deployed, deployedContainer, imagesOnly, lines, makeProject, text } from './plan-fixtures.js';
import type { ServiceInput } from './plan-fixtures.js';

const healthy = { condition: 'service_healthy', restart: false, required: true } as const;
const started = { condition: 'service_started', restart: false, required: true } as const;
const completed = { condition: 'service_completed_successfully', restart: false, required: true } as const;

function stack(): Record<string, ServiceInput> {
  return {
    db: { image: 'postgres:16' },
    cache: { image: 'redis:7' },
    web: { depends_on: { db: healthy, cache: started } },
  };
}

describe('reconcile: from nothing', () => {
  it('creates the network, then each container and starts it', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-web-1 (after #1): missing',
      '#3 start container demo-web-1 (after #2): new container',
    ));
  });

  it('creates in dependency order and waits for conditions before starting dependents', () => {
    const p = makeProject('demo', stack());
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-cache-1 (after #1): missing',
      '#3 start container demo-cache-1 (after #2): new container',
      '#4 create container demo-db-1 (after #1): missing',
      '#5 start container demo-db-1 (after #4): new container',
      '#6 create container demo-web-1 (after #1 #2 #4): missing',
      '#7 wait for db healthy (after #5): web depends on db',
      '#8 start container demo-web-1 (after #3 #6 #7): new container',
    ));
  });

  it('waits for a one-shot dependency to complete successfully', () => {
    const p = makeProject('demo', { migrate: { image: 'app:1' }, api: { image: 'app:1', depends_on: { migrate: completed } } });
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-migrate-1 (after #1): missing',
      '#3 start container demo-migrate-1 (after #2): new container',
      '#4 create container demo-api-1 (after #1 #2): missing',
      '#5 wait for migrate completed successfully (after #3): api depends on migrate',
      '#6 start container demo-api-1 (after #4 #5): new container',
    ));
  });

  it('marks an optional dependency wait as optional', () => {
    const p = makeProject('demo', { db: {}, web: { depends_on: { db: { ...healthy, required: false } } } });
    expect(text(reconcile(p, imagesOnly(p)))).toContain('#5 wait for db healthy (optional) (after #3): web depends on db');
  });

  it('creates replicas numbered from 1 for a scaled service', () => {
    const p = makeProject('demo', { worker: { scale: 3 } });
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-worker-1 (after #1): scale 0 → 3',
      '#3 create container demo-worker-2 (after #1): scale 0 → 3',
      '#4 create container demo-worker-3 (after #1): scale 0 → 3',
      '#5 start container demo-worker-1 (after #2): new container',
      '#6 start container demo-worker-2 (after #3): new container',
      '#7 start container demo-worker-3 (after #4): new container',
    ));
  });

  it('uses container_name when set', () => {
    const p = makeProject('demo', { web: { container_name: 'my-web' } });
    expect(text(reconcile(p, imagesOnly(p)))).toContain('#2 create container my-web (after #1): missing');
  });

  it('uses underscores in compatibility mode for containers, never for networks', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, imagesOnly(p), { naming: { compatibility: true } }))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo_web_1 (after #1): missing',
      '#3 start container demo_web_1 (after #2): new container',
    ));
  });

  it('creates but does not start with noStart', () => {
    const p = makeProject('demo', stack());
    expect(text(reconcile(p, imagesOnly(p), { noStart: true }))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-cache-1 (after #1): missing',
      '#3 create container demo-db-1 (after #1): missing',
      '#4 create container demo-web-1 (after #1 #2 #3): missing',
    ));
  });

  it('adds a final wait per service with wait', () => {
    const p = makeProject('demo', { migrate: {}, web: { depends_on: { migrate: completed } } });
    const t = text(reconcile(p, imagesOnly(p), { wait: true }));
    expect(t.split('\n').slice(-2)).toEqual([
      '#7 wait for migrate completed successfully (after #3): wait requested',
      '#8 wait for web running or healthy (after #6): wait requested',
    ]);
  });

  it('does not create or wait for a service scaled to 0', () => {
    const p = makeProject('demo', { db: { scale: 0 }, web: { depends_on: { db: healthy } } });
    expect(text(reconcile(p, imagesOnly(p)))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-web-1 (after #1): missing',
      '#3 start container demo-web-1 (after #2): new container',
    ));
  });

  it('rejects a dependency cycle', () => {
    const p = makeProject('demo', { a: { depends_on: { b: started } }, b: { depends_on: { a: started } } });
    expect(() => reconcile(p, imagesOnly(p))).toThrow('dependency cycle detected: a -> b -> a');
  });
});

describe('reconcile: converged', () => {
  it('plans nothing when everything runs as declared', () => {
    const p = makeProject('demo', stack());
    expect(text(reconcile(p, deployed(p)))).toBe('nothing to do');
  });

  it('ignores changes to depends_on, scale-irrelevant fields, build, pull_policy and profiles', () => {
    const p = makeProject('demo', stack());
    const observed = deployed(p);
    const q = makeProject('demo', { ...stack(), cache: { image: 'redis:7', pull_policy: 'missing', profiles: [] },
      web: { depends_on: { db: started } } });
    expect(text(reconcile(q, observed))).toBe('nothing to do');
  });

  it('starts a stopped container without recreating it', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p, { 'web:1': { state: 'exited' } })))).toBe(
      '#1 start container demo-web-1: not running (exited)');
  });

  it('starts a created container', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p, { 'web:1': { state: 'created' } })))).toBe(
      '#1 start container demo-web-1: not running (created)');
  });

  it('leaves a paused container alone', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p, { 'web:1': { state: 'paused' } })))).toBe('nothing to do');
  });

  it('starts stopped dependencies before stopped dependents', () => {
    const p = makeProject('demo', stack());
    const observed = deployed(p, { 'db:1': { state: 'exited' }, 'web:1': { state: 'exited' } });
    expect(text(reconcile(p, observed))).toBe(lines(
      '#1 start container demo-db-1: not running (exited)',
      '#2 wait for db healthy (after #1): web depends on db',
      '#3 start container demo-web-1 (after #2): not running (exited)',
    ));
  });

  it('does not start anything with noStart', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p, { 'web:1': { state: 'exited' } }), { noStart: true }))).toBe('nothing to do');
  });

  it('ignores one-off containers of a service', () => {
    const p = makeProject('demo', { web: {} });
    const observed = deployed(p);
    observed.containers.push(deployedContainer(p, 'web', 9, { name: 'demo-web-run-0123456789ab', labels: { 'com.docker.compose.oneoff': 'True' } }));
    expect(text(reconcile(p, observed))).toBe('nothing to do');
  });
});

describe('reconcile: selected services', () => {
  it('brings up a selected service with its dependencies', () => {
    const p = makeProject('demo', { ...stack(), other: {} });
    expect(text(reconcile(p, imagesOnly(p), { services: ['web'] }))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-cache-1 (after #1): missing',
      '#3 start container demo-cache-1 (after #2): new container',
      '#4 create container demo-db-1 (after #1): missing',
      '#5 start container demo-db-1 (after #4): new container',
      '#6 create container demo-web-1 (after #1 #2 #4): missing',
      '#7 wait for db healthy (after #5): web depends on db',
      '#8 start container demo-web-1 (after #3 #6 #7): new container',
    ));
  });

  it('with noDeps brings up only the selected service and waits for nothing', () => {
    const p = makeProject('demo', stack());
    expect(text(reconcile(p, imagesOnly(p), { services: ['web'], noDeps: true }))).toBe(lines(
      '#1 create network demo_default: missing',
      '#2 create container demo-web-1 (after #1): missing',
      '#3 start container demo-web-1 (after #2): new container',
    ));
  });

  it('leaves services outside the selection untouched even when they diverged', () => {
    const p = makeProject('demo', { ...stack(), other: {} });
    const observed = deployed(p);
    const q = makeProject('demo', { ...stack(), other: { environment: { A: '1' } } });
    expect(text(reconcile(q, observed, { services: ['web'] }))).toBe('nothing to do');
  });

  it('rejects an unknown service', () => {
    const p = makeProject('demo', stack());
    expect(() => reconcile(p, imagesOnly(p), { services: ['nope'] })).toThrow(ReconcileError);
    expect(() => reconcile(p, imagesOnly(p), { services: ['nope'] })).toThrow('no such service: nope');
  });

  it('applies scale overrides', () => {
    const p = makeProject('demo', { web: {} });
    expect(text(reconcile(p, deployed(p), { scale: { web: 2 } }))).toBe(lines(
      '#1 create container demo-web-2: scale 1 → 2',
      '#2 start container demo-web-2 (after #1): new container',
    ));
  });
});
