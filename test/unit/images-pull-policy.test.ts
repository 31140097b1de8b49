import { describe, expect, it } from 'vitest';
import { decideImageAction, parsePolicyDuration, parsePullPolicy, PullPolicyError, type DecisionInput } from '../../src/images/pull-policy.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An image-only service whose image is present, pulled an hour ago; each test changes what it is about. */
function input(overrides: Partial<DecisionInput>): DecisionInput {
  return { buildable: false, hasImageName: true, present: true, lastPulledAt: NOW - HOUR, now: NOW, command: 'up', ...overrides };
}

describe('pull_policy parsing', () => {
  it('reads durations in weeks, days, hours, minutes and seconds', () => {
    expect(parsePolicyDuration('12h')).toBe(12 * HOUR);
    expect(parsePolicyDuration('1w2d3h4m5s')).toBe(7 * DAY + 2 * DAY + 3 * HOUR + 4 * 60_000 + 5_000);
    expect(parsePolicyDuration('90m')).toBe(90 * 60_000);
    expect(parsePolicyDuration('')).toBeUndefined();
    expect(parsePolicyDuration('12')).toBeUndefined();
    expect(parsePolicyDuration('1y')).toBeUndefined();
  });

  it('maps aliases and time-based policies to their meaning', () => {
    expect(parsePullPolicy(undefined)).toEqual({ name: 'missing' });
    expect(parsePullPolicy('if_not_present')).toEqual({ name: 'missing' });
    expect(parsePullPolicy('daily')).toEqual({ name: 'refresh', windowMs: DAY });
    expect(parsePullPolicy('weekly')).toEqual({ name: 'refresh', windowMs: 7 * DAY });
    expect(parsePullPolicy('every_12h')).toEqual({ name: 'refresh', windowMs: 12 * HOUR });
    expect(parsePullPolicy('refresh', '2d')).toEqual({ name: 'refresh', windowMs: 2 * DAY });
    expect(parsePullPolicy('refresh')).toEqual({ name: 'missing' });
  });

  it('rejects what is not a policy, naming it', () => {
    expect(() => parsePullPolicy('sometimes')).toThrow(/invalid pull_policy "sometimes"/);
    expect(() => parsePullPolicy('every_often')).toThrow(PullPolicyError);
    expect(() => parsePullPolicy('refresh', 'soon')).toThrow(/pull_refresh_after "soon"/);
  });
});

describe('decisions before up', () => {
  it('always pulls under always, even when present', () => {
    expect(decideImageAction(input({ policy: 'always' }))).toEqual({ action: 'pull', reason: 'pull_policy always' });
  });

  it('missing (the default and if_not_present) pulls only what is absent', () => {
    for (const policy of [undefined, 'missing', 'if_not_present']) {
      expect(decideImageAction(input({ policy, present: true })).action).toBe('none');
      expect(decideImageAction(input({ policy, present: false }))).toEqual({ action: 'pull', reason: 'missing locally' });
    }
  });

  it('never uses what is here, builds a missing buildable image, and fails otherwise', () => {
    expect(decideImageAction(input({ policy: 'never' })).action).toBe('none');
    expect(decideImageAction(input({ policy: 'never', present: false, buildable: true })).action).toBe('build');
    expect(() => decideImageAction(input({ policy: 'never', present: false }))).toThrow(/missing and pull_policy is never/);
  });

  it('build rebuilds every time, and is an error without a build section when the image is missing', () => {
    expect(decideImageAction(input({ policy: 'build', buildable: true }))).toEqual({ action: 'build', reason: 'pull_policy build' });
    expect(decideImageAction(input({ policy: 'build', present: true })).action).toBe('none');
    expect(() => decideImageAction(input({ policy: 'build', present: false }))).toThrow(/no build section/);
  });

  it('daily, weekly and every_<duration> pull once the last pull is older than the window', () => {
    expect(decideImageAction(input({ policy: 'daily', lastPulledAt: NOW - 23 * HOUR })).action).toBe('none');
    expect(decideImageAction(input({ policy: 'daily', lastPulledAt: NOW - 25 * HOUR }))).toEqual({ action: 'pull', reason: 'last pulled 1d ago' });
    expect(decideImageAction(input({ policy: 'weekly', lastPulledAt: NOW - 6 * DAY })).action).toBe('none');
    expect(decideImageAction(input({ policy: 'weekly', lastPulledAt: NOW - 8 * DAY })).action).toBe('pull');
    expect(decideImageAction(input({ policy: 'every_2h', lastPulledAt: NOW - HOUR })).action).toBe('none');
    expect(decideImageAction(input({ policy: 'every_2h', lastPulledAt: NOW - 2 * HOUR })).action).toBe('pull');
    expect(decideImageAction(input({ policy: 'every_30m', present: false })).reason).toBe('missing locally');
  });

  it('a time-based policy pulls when the last pull is unknown', () => {
    expect(decideImageAction(input({ policy: 'daily', lastPulledAt: undefined }))).toEqual({ action: 'pull', reason: 'last pull unknown' });
  });

  it('refresh follows pull_refresh_after, and means missing without it', () => {
    expect(decideImageAction(input({ policy: 'refresh', refreshAfter: '30m', lastPulledAt: NOW - HOUR })).action).toBe('pull');
    expect(decideImageAction(input({ policy: 'refresh', refreshAfter: '2h', lastPulledAt: NOW - HOUR })).action).toBe('none');
    expect(decideImageAction(input({ policy: 'refresh', lastPulledAt: NOW - 100 * DAY })).action).toBe('none');
  });

  it('a buildable service with an image name pulls first and may fall back to a build', () => {
    expect(decideImageAction(input({ buildable: true, present: false }))).toEqual({ action: 'pull', reason: 'missing locally', fallbackToBuild: true });
    expect(decideImageAction(input({ buildable: true, present: false, build: false }))).toEqual({ action: 'pull', reason: 'missing locally' });
  });

  it('a build-only service is built when missing, never pulled', () => {
    const buildOnly = { buildable: true, hasImageName: false };
    expect(decideImageAction(input({ ...buildOnly, present: false }))).toEqual({ action: 'build', reason: 'missing locally' });
    expect(decideImageAction(input({ ...buildOnly, present: true, policy: 'always' })).action).toBe('none');
    expect(() => decideImageAction(input({ ...buildOnly, present: false, build: false }))).toThrow(/--no-build/);
  });

  it('--build rebuilds buildable services whatever the policy; --no-build never builds', () => {
    expect(decideImageAction(input({ buildable: true, build: true, policy: 'never' }))).toEqual({ action: 'build', reason: 'build requested' });
    expect(decideImageAction(input({ buildable: true, build: false, policy: 'build' })).action).toBe('none');
    expect(decideImageAction(input({ buildable: false, build: true })).action).toBe('none');
  });
});

describe('decisions of the pull command', () => {
  const pull = (o: Partial<DecisionInput>) => decideImageAction(input({ command: 'pull', ...o }));

  it('pulls what has no policy, and time-based policies whatever the age', () => {
    expect(pull({})).toEqual({ action: 'pull', reason: 'pull requested' });
    expect(pull({ policy: 'daily', lastPulledAt: NOW - 60_000 }).action).toBe('pull');
  });

  it('under missing pulls only absent images, and latest tags', () => {
    expect(pull({ policy: 'missing' }).action).toBe('none');
    expect(pull({ policy: 'missing', present: false }).action).toBe('pull');
    expect(pull({ policy: 'missing', latestTag: true })).toEqual({ action: 'pull', reason: 'latest tag' });
  });

  it('skips never, build and build-only services instead of failing', () => {
    expect(pull({ policy: 'never', present: false })).toEqual({ action: 'none', reason: 'pull_policy never' });
    expect(pull({ policy: 'build', buildable: true }).action).toBe('none');
    expect(pull({ hasImageName: false, buildable: true }).reason).toMatch(/no image to pull/);
  });

  it('marks failures of buildable services as non-fatal', () => {
    expect(pull({ buildable: true })).toEqual({ action: 'pull', reason: 'pull requested', fallbackToBuild: true });
  });
});
