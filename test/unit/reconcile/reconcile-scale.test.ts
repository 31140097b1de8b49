import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { Label, deployed, deployedContainer, lines, makeProject, text } from './plan-fixtures.js';

const obsolete = { labels: { [Label.configHash]: 'old', [Label.flotillaConfig]: '' } };

describe('reconcile: scale and numbering', () => {
  it('scales down by removing the highest numbers', () => {
    const p = makeProject('demo', { worker: { scale: 3 } });
    expect(text(reconcile(p, deployed(p), { scale: { worker: 1 } }))).toBe(lines(
      '#1 stop container demo-worker-2: scale 3 → 1',
      '#2 remove container demo-worker-2 (after #1): scale 3 → 1',
      '#3 stop container demo-worker-3: scale 3 → 1',
      '#4 remove container demo-worker-3 (after #3): scale 3 → 1',
    ));
  });

  it('scales down by removing obsolete replicas first', () => {
    const p = makeProject('demo', { worker: { scale: 3 } });
    const observed = deployed(p, { 'worker:1': obsolete });
    expect(text(reconcile(p, observed, { scale: { worker: 2 } }))).toBe(lines(
      '#1 stop container demo-worker-1: scale 3 → 2',
      '#2 remove container demo-worker-1 (after #1): scale 3 → 2',
    ));
  });

  it('numbers new replicas after the highest existing number, leaving gaps', () => {
    const p = makeProject('demo', { worker: { scale: 3 } });
    const observed = deployed(p);
    observed.containers = observed.containers.filter((c) => c.name !== 'demo-worker-2');
    expect(text(reconcile(p, observed))).toBe(lines(
      '#1 create container demo-worker-4: scale 2 → 3',
      '#2 start container demo-worker-4 (after #1): new container',
    ));
  });

  it('reuses numbers after a scale down and up', () => {
    const p = makeProject('demo', { worker: { scale: 1 } });
    expect(text(reconcile(p, deployed(p), { scale: { worker: 3 } }))).toBe(lines(
      '#1 create container demo-worker-2: scale 1 → 3',
      '#2 create container demo-worker-3: scale 1 → 3',
      '#3 start container demo-worker-2 (after #1): new container',
      '#4 start container demo-worker-3 (after #2): new container',
    ));
  });

  it('recreates obsolete replicas it keeps while adding new ones', () => {
    const p = makeProject('demo', { worker: {} });
    const observed = deployed(p, { 'worker:1': obsolete });
    expect(text(reconcile(p, observed, { scale: { worker: 2 } }))).toBe(lines(
      '#1 create container demo-worker-1 as worker1aaaaa_demo-worker-1: created by another tool: hash differs, recreated once',
      '#2 stop container demo-worker-1 (after #1): replaced by #1',
      '#3 remove container demo-worker-1 (after #2): replaced by #1',
      '#4 rename container worker1aaaaa_demo-worker-1 → demo-worker-1 (after #3): finalize recreate',
      '#5 create container demo-worker-2: scale 1 → 2',
      '#6 start container demo-worker-1 (after #4): recreated',
      '#7 start container demo-worker-2 (after #5): new container',
    ));
  });

  it('removes every replica at scale 0', () => {
    const p = makeProject('demo', { worker: { scale: 2 } });
    expect(text(reconcile(p, deployed(p), { scale: { worker: 0 } }))).toBe(lines(
      '#1 stop container demo-worker-1: scale 2 → 0',
      '#2 remove container demo-worker-1 (after #1): scale 2 → 0',
      '#3 stop container demo-worker-2: scale 2 → 0',
      '#4 remove container demo-worker-2 (after #3): scale 2 → 0',
    ));
  });

  it('recreates each replica with its own temporary name', () => {
    const p = makeProject('demo', { worker: { scale: 2, environment: { A: '1' } } });
    const q = makeProject('demo', { worker: { scale: 2, environment: { A: '2' } } });
    expect(text(reconcile(q, deployed(p)))).toBe(lines(
      '#1 create container demo-worker-1 as worker1aaaaa_demo-worker-1: config changed: environment.A "1" → "2"',
      '#2 stop container demo-worker-1 (after #1): replaced by #1',
      '#3 remove container demo-worker-1 (after #2): replaced by #1',
      '#4 rename container worker1aaaaa_demo-worker-1 → demo-worker-1 (after #3): finalize recreate',
      '#5 create container demo-worker-2 as worker2aaaaa_demo-worker-2: config changed: environment.A "1" → "2"',
      '#6 stop container demo-worker-2 (after #5): replaced by #5',
      '#7 remove container demo-worker-2 (after #6): replaced by #5',
      '#8 rename container worker2aaaaa_demo-worker-2 → demo-worker-2 (after #7): finalize recreate',
      '#9 start container demo-worker-1 (after #4): recreated',
      '#10 start container demo-worker-2 (after #8): recreated',
    ));
  });
});

describe('reconcile: orphans', () => {
  const withOrphan = () => {
    const old = makeProject('demo', { web: {}, legacy: {} });
    const p = makeProject('demo', { web: {} });
    return { p, observed: deployed(old) };
  };

  it('warns about orphans and leaves them', () => {
    const { p, observed } = withOrphan();
    expect(text(reconcile(p, observed))).toBe(lines(
      'nothing to do',
      'warning: Found orphan containers (demo-legacy-1) for this project. If you removed or renamed this service in your '
        + 'compose file, you can run this command with the --remove-orphans flag to clean it up.',
    ));
  });

  it('says nothing with ignoreOrphans', () => {
    const { p, observed } = withOrphan();
    expect(text(reconcile(p, observed, { ignoreOrphans: true }))).toBe('nothing to do');
  });

  it('stops and removes orphans with removeOrphans', () => {
    const { p, observed } = withOrphan();
    expect(text(reconcile(p, observed, { removeOrphans: true }))).toBe(lines(
      '#1 stop container demo-legacy-1: orphan',
      '#2 remove container demo-legacy-1 (after #1): orphan',
    ));
  });

  it('does not count services disabled by a profile as orphans', () => {
    const old = makeProject('demo', { web: {}, debug: {} });
    const p = makeProject('demo', { web: {} }, { disabled: { debug: {} } });
    expect(text(reconcile(p, deployed(old), { removeOrphans: true }))).toBe('nothing to do');
  });

  it('counts exited one-off containers as orphans, running ones not', () => {
    const p = makeProject('demo', { web: {} });
    const observed = deployed(p);
    const oneoff = { [Label.oneoff]: 'True' };
    observed.containers.push(
      deployedContainer(p, 'web', 0, { name: 'demo-web-run-aaaaaaaaaaaa', id: 'run1', state: 'exited', labels: oneoff }),
      deployedContainer(p, 'web', 0, { name: 'demo-web-run-bbbbbbbbbbbb', id: 'run2', state: 'running', labels: oneoff }),
    );
    expect(text(reconcile(p, observed, { removeOrphans: true }))).toBe(lines(
      '#1 stop container demo-web-run-aaaaaaaaaaaa: orphan',
      '#2 remove container demo-web-run-aaaaaaaaaaaa (after #1): orphan',
    ));
  });
});
