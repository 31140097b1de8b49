/**
 * Plans after a recreate was killed half-way: the new container may exist under its temporary name
 * (`<old id 12>_<final name>`), with or without the old one still holding the final name, up to date or not.
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { containerId, deployed, deployedContainer, lines, makeProject, text } from './plan-fixtures.js';

const current = makeProject('demo', { web: { environment: { V: '2' } } });
const previous = makeProject('demo', { web: { environment: { V: '1' } } });
const OLD = containerId('web', 1);
const TMP_ID = containerId('new', 1);
const TMP_NAME = `${OLD.slice(0, 12)}_demo-web-1`;

/** The replacement a killed recreate left under its temporary name, made from `project`. */
function leftover(project = current, state: 'created' | 'running' | 'exited' = 'created') {
  return deployedContainer(project, 'web', 1, { id: TMP_ID, name: TMP_NAME, state });
}

describe('reconcile: recreates a killed run left half-done', () => {
  it('renames an up-to-date leftover once the old container is gone, then starts it', () => {
    const observed = deployed(previous);
    observed.containers.push(leftover());
    expect(text(reconcile(current, observed))).toBe(lines(
      '#1 stop container demo-web-1: duplicate of replica 1, left by an interrupted recreate',
      '#2 remove container demo-web-1 (after #1): duplicate of replica 1, left by an interrupted recreate',
      `#3 rename container ${TMP_NAME} → demo-web-1 (after #2): finish an interrupted recreate`,
      '#4 start container demo-web-1 (after #3): not running (created)',
    ));
  });

  it('only renames when the old container was already removed', () => {
    const observed = deployed(previous);
    observed.containers = [leftover(current, 'running')];
    expect(text(reconcile(current, observed))).toBe(
      `#1 rename container ${TMP_NAME} → demo-web-1: finish an interrupted recreate`);
  });

  it('keeps the container under the final name and removes the leftover when both are up to date', () => {
    const observed = deployed(current);
    observed.containers.push(leftover());
    expect(text(reconcile(current, observed))).toBe(lines(
      `#1 stop container ${TMP_NAME}: duplicate of replica 1, left by an interrupted recreate`,
      `#2 remove container ${TMP_NAME} (after #1): duplicate of replica 1, left by an interrupted recreate`,
    ));
  });

  it('recreates when both are outdated: the rename waits for the removal of the container holding the name', () => {
    const observed = deployed(previous);
    observed.containers.push(leftover(previous));
    // the final-name container is recreated; the leftover is removed first, and nothing renames onto a taken name
    expect(text(reconcile(current, observed))).toBe(lines(
      `#1 stop container ${TMP_NAME}: duplicate of replica 1, left by an interrupted recreate`,
      `#2 remove container ${TMP_NAME} (after #1): duplicate of replica 1, left by an interrupted recreate`,
      `#3 create container demo-web-1 as ${TMP_NAME}: config changed: environment.V "1" → "2"`,
      '#4 stop container demo-web-1 (after #3): replaced by #3',
      '#5 remove container demo-web-1 (after #4): replaced by #3',
      `#6 rename container ${TMP_NAME} → demo-web-1 (after #5): finalize recreate`,
      '#7 start container demo-web-1 (after #6): recreated',
    ));
  });

  it('recreates an outdated leftover alone after renaming nothing onto a taken name', () => {
    const observed = deployed(previous);
    observed.containers = [leftover(previous, 'running')];
    const plan = reconcile(current, observed);
    const tmp2 = `${TMP_ID.slice(0, 12)}_demo-web-1`;
    expect(text(plan)).toBe(lines(
      `#1 create container demo-web-1 as ${tmp2}: config changed: environment.V "1" → "2"`,
      `#2 stop container ${TMP_NAME} (after #1): replaced by #1`,
      `#3 remove container ${TMP_NAME} (after #2): replaced by #1`,
      `#4 rename container ${tmp2} → demo-web-1 (after #3): finalize recreate`,
      '#5 start container demo-web-1 (after #4): recreated',
    ));
  });

  it('leaves a running dependent alone when the dependency only needs its rename', () => {
    const p = makeProject('demo', { web: { environment: { V: '2' } }, app: { depends_on: { web: { condition: 'service_started', required: true, restart: false } } } });
    const before = makeProject('demo', { web: { environment: { V: '1' } }, app: { depends_on: { web: { condition: 'service_started', required: true, restart: false } } } });
    const observed = deployed(before);
    observed.containers = observed.containers.filter((c) => c.labels['com.docker.compose.service'] !== 'web');
    observed.containers.push(deployedContainer(p, 'web', 1, { id: TMP_ID, name: TMP_NAME, state: 'running' }));
    const plan = reconcile(p, observed);
    expect(text(plan)).toBe(`#1 rename container ${TMP_NAME} → demo-web-1: finish an interrupted recreate`);
    expect(plan.operations[0]).toMatchObject({ kind: 'RenameContainer', container: { id: TMP_ID }, newName: 'demo-web-1' });
  });
});
