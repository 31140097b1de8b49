import { describe, expect, it } from 'vitest';
import { planDown, planRemove, planRestart, planStart, planStop } from '../../../src/reconcile/lifecycle.js';
import { Label, deployed, deployedContainer, lines, makeProject, text } from './plan-fixtures.js';

const healthy = { condition: 'service_healthy', restart: false, required: true } as const;
const started = { condition: 'service_started', restart: true, required: true } as const;

function stack() {
  return makeProject('demo', {
    db: { image: 'postgres:16', volumes: [{ type: 'volume', source: 'data', target: '/data' }] },
    web: { depends_on: { db: healthy } },
    proxy: { depends_on: { web: started } },
  }, { volumes: { data: {} } });
}

describe('planDown', () => {
  it('stops dependents first, removes containers, then networks; keeps volumes', () => {
    const p = stack();
    expect(text(planDown(p, deployed(p)))).toBe(lines(
      '#1 stop container demo-proxy-1: down',
      '#2 remove container demo-proxy-1 (after #1): down',
      '#3 stop container demo-web-1 (after #1): down',
      '#4 remove container demo-web-1 (after #3): down',
      '#5 stop container demo-db-1 (after #3): down',
      '#6 remove container demo-db-1 (after #5): down',
      '#7 remove network demo_default (after #2 #4 #6): down',
    ));
  });

  it('removes volumes with volumes: true, and anonymous ones with the containers', () => {
    const p = stack();
    const plan = planDown(p, deployed(p), { volumes: true });
    expect(text(plan).split('\n').slice(-2)).toEqual([
      '#7 remove network demo_default (after #2 #4 #6): down',
      '#8 remove volume demo_data (after #2 #4 #6): down --volumes',
    ]);
    expect(plan.operations[1]).toMatchObject({ kind: 'RemoveContainer', removeVolumes: true });
  });

  it('never removes external networks or volumes', () => {
    const p = makeProject('demo', { web: { networks: { corp: null }, volumes: [{ type: 'volume', source: 'shared', target: '/s' }] } },
      { networks: { corp: { external: true } }, volumes: { shared: { external: true } } });
    const observed = deployed(p);
    observed.networks.forEach((n) => { n.labels[Label.project] = 'demo'; });
    observed.volumes.forEach((v) => { v.labels[Label.project] = 'demo'; });
    expect(text(planDown(p, observed, { volumes: true }))).toBe(lines(
      '#1 stop container demo-web-1: down',
      '#2 remove container demo-web-1 (after #1): down',
    ));
  });

  it('removes local images with rmi local and every image with rmi all', () => {
    const p = makeProject('demo', { api: { image: undefined, build: { context: '/x' } }, db: { image: 'postgres:16' } });
    expect(text(planDown(p, deployed(p), { rmi: 'local' })).split('\n').at(-1)).toBe(
      '#6 remove image demo-api (after #2 #4): down --rmi local');
    expect(text(planDown(p, deployed(p), { rmi: 'all' })).split('\n').slice(-2)).toEqual([
      '#6 remove image demo-api (after #2 #4): down --rmi all',
      '#7 remove image postgres:16 (after #2 #4): down --rmi all',
    ]);
  });

  it('warns about orphans, removes them and one-offs with removeOrphans', () => {
    const old = makeProject('demo', { web: {}, legacy: {} });
    const p = makeProject('demo', { web: {} });
    const observed = deployed(old);
    observed.containers.push(deployedContainer(p, 'web', 0, { id: 'run1', name: 'demo-web-run-1', state: 'running',
      labels: { [Label.oneoff]: 'True' } }));
    expect(text(planDown(p, observed)).split('\n').at(-1)).toMatch(/^warning: Found orphan containers \(demo-legacy-1\)/);
    expect(text(planDown(p, observed, { removeOrphans: true }))).toBe(lines(
      '#1 stop container demo-web-1: down',
      '#2 remove container demo-web-1 (after #1): down',
      '#3 stop container demo-legacy-1: orphan',
      '#4 remove container demo-legacy-1 (after #3): orphan',
      '#5 stop container demo-web-run-1: orphan',
      '#6 remove container demo-web-run-1 (after #5): orphan',
      '#7 remove network demo_default (after #2 #4 #6): down',
    ));
  });

  it('works from labels alone (no compose file), dependencies from the depends_on label', () => {
    const p = stack();
    const observed = deployed(p);
    expect(text(planDown(undefined, observed))).toBe(text(planDown(p, observed)));
  });

  it('takes selected services down with their dependents, leaving networks', () => {
    const p = stack();
    expect(text(planDown(p, deployed(p), { services: ['web'] }))).toBe(lines(
      '#1 stop container demo-proxy-1: down',
      '#2 remove container demo-proxy-1 (after #1): down',
      '#3 stop container demo-web-1 (after #1): down',
      '#4 remove container demo-web-1 (after #3): down',
    ));
  });

  it('passes the stop timeout', () => {
    const p = makeProject('demo', { web: {} });
    expect(planDown(p, deployed(p), { timeoutSec: 3 }).operations[0]).toMatchObject({ kind: 'StopContainer', timeoutSec: 3 });
  });
});

describe('planStop, planStart, planRestart, planRemove', () => {
  it('stops running containers in reverse dependency order', () => {
    const p = stack();
    expect(text(planStop(p, deployed(p, { 'web:1': { state: 'exited' } })))).toBe(lines(
      '#1 stop container demo-proxy-1: stop',
      '#2 stop container demo-db-1 (after #1): stop',
    ));
  });

  it('starts stopped containers in dependency order with their waits', () => {
    const p = stack();
    const observed = deployed(p, { 'db:1': { state: 'exited' }, 'web:1': { state: 'exited' }, 'proxy:1': { state: 'exited' } });
    expect(text(planStart(p, observed))).toBe(lines(
      '#1 start container demo-db-1: not running (exited)',
      '#2 wait for db healthy (after #1): web depends on db',
      '#3 start container demo-web-1 (after #1 #2): not running (exited)',
      '#4 start container demo-proxy-1 (after #3): not running (exited)',
    ));
  });

  it('restarts a service and its restart: true dependents', () => {
    const p = stack();
    expect(text(planRestart(p, deployed(p), { services: ['web'] }))).toBe(lines(
      '#1 stop container demo-web-1: restart',
      '#2 start container demo-web-1 (after #1): restart',
      '#3 stop container demo-proxy-1 (after #2): restart',
      '#4 start container demo-proxy-1 (after #3): restart',
    ));
    expect(text(planRestart(p, deployed(p), { services: ['web'], noDeps: true }))).toBe(lines(
      '#1 stop container demo-web-1: restart',
      '#2 start container demo-web-1 (after #1): restart',
    ));
  });

  it('removes only stopped containers unless asked to stop them', () => {
    const p = stack();
    const observed = deployed(p, { 'web:1': { state: 'exited' } });
    expect(text(planRemove(p, observed))).toBe('#1 remove container demo-web-1: rm');
    expect(text(planRemove(p, observed, { stop: true, services: ['db', 'web'] }))).toBe(lines(
      '#1 remove container demo-web-1: rm',
      '#2 stop container demo-db-1: rm --stop',
      '#3 remove container demo-db-1 (after #2): rm',
    ));
  });

  it('rejects an unknown service with a file, ignores it without', () => {
    const p = stack();
    expect(() => planStop(p, deployed(p), { services: ['nope'] })).toThrow('no such service: nope');
    expect(text(planStop(undefined, deployed(p), { services: ['nope'] }))).toBe('nothing to do');
  });
});
