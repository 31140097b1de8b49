/**
 * What to do about a service's image before its containers are created: pull it, build it, or nothing. Pure:
 * every fact (is the image here, when was it last pulled, what time is it) comes in as input, so each policy is
 * unit-tested without an engine or a clock.
 *
 * Policies (compose-spec `pull_policy`, as Docker Compose reads them):
 * - `always`: pull every time.
 * - `never`: never pull; a missing image is built when the service can be built, else it is an error.
 * - `missing` (alias `if_not_present`, and the default): pull only when the image is not here.
 * - `build`: build every time (rebuild when present).
 * - `daily`, `weekly`, `every_<duration>` (`1w2d3h4m5s`), `refresh` with `pull_refresh_after: <duration>`: pull
 *   when the image is missing or its last pull is older than the window. A bare `refresh` (no
 *   `pull_refresh_after`) means `missing`, as compose-go resolves it.
 *
 * The time of the last pull is not something the engine reports in our Engine interface, so Flotilla records it
 * itself (see pull-state.ts): a pull recorded for another image id than the one now behind the tag (someone
 * rebuilt or re-tagged it), or no record at all, counts as "last pull unknown", which is due.
 *
 * A service with both `build` and `image` whose pull was decided is built instead when the pull fails
 * (`fallbackToBuild`), which is how Docker Compose treats buildable services. A service with `build` and no
 * `image` is never pulled: its image name (`<project>-<service>`) exists nowhere but here.
 */

export type PolicyName = 'always' | 'never' | 'missing' | 'build' | 'refresh';

/** A `pull_policy` value once parsed: time-based ones become `refresh` with their window. */
export interface ParsedPolicy {
  name: PolicyName;
  /** For `refresh`: how old the last pull may be, in ms. */
  windowMs?: number;
}

export type ImageAction = 'pull' | 'build' | 'none';

export interface ImageDecision {
  action: ImageAction;
  /** Why, in a few words, for progress and plans: "missing locally", "pull_policy always", ... */
  reason: string;
  /** The pull is worth trying, but the image can be built if it fails. */
  fallbackToBuild?: boolean;
}

export interface DecisionInput {
  /** The service's `pull_policy`, or the command-line override (`up --pull`, `pull --policy`). */
  policy?: string;
  /** `pull_refresh_after`, used with `refresh`. */
  refreshAfter?: string;
  /** The service has a `build` section. */
  buildable: boolean;
  /** The service names its image (`image:`); a build-only service's image cannot be pulled. */
  hasImageName: boolean;
  /** The image is present on the engine. */
  present: boolean;
  /** When the present image was last pulled (ms since the epoch), if known. */
  lastPulledAt?: number;
  /** Now, in ms since the epoch. */
  now: number;
  /** `up --build` (true), `up --no-build` (false), or neither. */
  build?: boolean;
  /** Which command asks: `pull` pulls even when up to date for the default and refresh policies (see below). */
  command?: 'up' | 'pull';
  /** The reference ends in `latest` (written or implied): `pull` with `missing` still pulls it, as the spec says. */
  latestTag?: boolean;
}

const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** `1w2d3h4m5s` (any subset, in that order or not, each unit once or more) → ms; undefined when malformed. */
export function parsePolicyDuration(text: string): number | undefined {
  if (!/^(\d+[wdhms])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([wdhms])/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** Parses a pull_policy value; an unknown or malformed one is an error that names it. */
export function parsePullPolicy(policy: string | undefined, refreshAfter?: string): ParsedPolicy {
  const written = policy ?? 'missing';
  switch (written) {
    case 'always':
    case 'never':
    case 'missing':
    case 'build':
      return { name: written };
    case 'if_not_present':
      return { name: 'missing' };
    case 'daily':
      return { name: 'refresh', windowMs: UNIT_MS.d };
    case 'weekly':
      return { name: 'refresh', windowMs: UNIT_MS.w };
    case 'refresh': {
      if (refreshAfter === undefined || refreshAfter === '') return { name: 'missing' };
      const windowMs = parsePolicyDuration(refreshAfter);
      if (windowMs === undefined) throw new PullPolicyError(`invalid pull_refresh_after "${refreshAfter}": use a duration like 12h or 1d6h`);
      return { name: 'refresh', windowMs };
    }
  }
  const every = /^every_(.+)$/.exec(written);
  const windowMs = every ? parsePolicyDuration(every[1]!) : undefined;
  if (windowMs === undefined) {
    throw new PullPolicyError(`invalid pull_policy "${policy}": use always, never, missing, build, daily, weekly, every_<duration> or refresh`);
  }
  return { name: 'refresh', windowMs };
}

export class PullPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PullPolicyError';
  }
}

/**
 * The decision for one service before `up`. A missing image that can be neither pulled nor built is an error,
 * thrown as PullPolicyError with the reason.
 */
export function decideImageAction(input: DecisionInput): ImageDecision {
  const policy = parsePullPolicy(input.policy, input.refreshAfter);
  if (input.command === 'pull') return decideExplicitPull(input, policy);
  const canBuild = input.buildable && input.build !== false;

  if (input.buildable && input.build === true) return { action: 'build', reason: 'build requested' };
  if (policy.name === 'build') {
    if (canBuild) return { action: 'build', reason: 'pull_policy build' };
    if (input.present) return { action: 'none', reason: 'present locally' };
    throw new PullPolicyError(input.buildable
      ? 'the image is missing, pull_policy is build and building is disabled (--no-build)'
      : 'pull_policy is build but the service has no build section');
  }

  if (!input.hasImageName) {
    // Only a build can make this image.
    if (input.present) return { action: 'none', reason: 'present locally' };
    if (canBuild) return { action: 'build', reason: 'missing locally' };
    throw new PullPolicyError('the image is missing and building is disabled (--no-build)');
  }

  const pull = (reason: string): ImageDecision =>
    canBuild ? { action: 'pull', reason, fallbackToBuild: true } : { action: 'pull', reason };
  switch (policy.name) {
    case 'always':
      return pull('pull_policy always');
    case 'never':
      if (input.present) return { action: 'none', reason: 'present locally' };
      if (canBuild) return { action: 'build', reason: 'missing locally (pull_policy never)' };
      throw new PullPolicyError('the image is missing and pull_policy is never');
    case 'missing':
      return input.present ? { action: 'none', reason: 'present locally' } : pull('missing locally');
    case 'refresh': {
      if (!input.present) return pull('missing locally');
      if (input.lastPulledAt === undefined) return pull('last pull unknown');
      const age = input.now - input.lastPulledAt;
      if (age >= policy.windowMs!) return pull(`last pulled ${formatAge(age)} ago`);
      return { action: 'none', reason: `pulled ${formatAge(age)} ago` };
    }
  }
}

/**
 * `pull`, the command: it is asked to refresh, so it pulls what has no policy and what has a time-based one
 * whatever the age, pulls `latest` tags even under `missing` (as the spec says), and skips (never fails on)
 * `never`, `build` and images that only a build makes. `fallbackToBuild` marks a failure as a warning.
 */
function decideExplicitPull(input: DecisionInput, policy: ParsedPolicy): ImageDecision {
  if (!input.hasImageName) return { action: 'none', reason: 'no image to pull (built by the project)' };
  const pull = (reason: string): ImageDecision =>
    input.buildable ? { action: 'pull', reason, fallbackToBuild: true } : { action: 'pull', reason };
  switch (policy.name) {
    case 'never':
    case 'build':
      return { action: 'none', reason: `pull_policy ${policy.name}` };
    case 'always':
      return pull('pull_policy always');
    case 'refresh':
      return pull('pull requested');
    case 'missing':
      if (input.policy === undefined) return pull('pull requested');
      if (!input.present) return pull('missing locally');
      if (input.latestTag) return pull('latest tag');
      return { action: 'none', reason: 'present locally' };
  }
}

function formatAge(ms: number): string {
  const units: Array<[string, number]> = [['d', UNIT_MS.d!], ['h', UNIT_MS.h!], ['m', UNIT_MS.m!]];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return `${Math.max(0, Math.floor(ms / 1000))}s`;
}
