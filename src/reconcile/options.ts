import type { LabelContext } from './labels.js';
import type { NamingOptions } from './names.js';

/** What `up`/`create` asked for, as the reconciler understands it. Everything is optional; defaults match `up`. */
export interface ReconcileOptions {
  /** Services to bring up (with their dependencies unless noDeps); default: all. */
  services?: string[];
  noDeps?: boolean;
  /** Recreate the selected services' containers even when up to date. */
  forceRecreate?: boolean;
  /** Never recreate; only create what is missing and start what is stopped. */
  noRecreate?: boolean;
  /** Recreate dependencies too (not only the selected services). */
  alwaysRecreateDeps?: boolean;
  /** Fresh anonymous volumes instead of carrying them over; implies forceRecreate for the selected services. */
  renewAnonVolumes?: boolean;
  /** Create, never start (`create`, `up --no-start`). */
  noStart?: boolean;
  /** Replica counts that override the file. */
  scale?: Record<string, number>;
  /** Stop and remove containers of services no longer in the file. */
  removeOrphans?: boolean;
  /** Say nothing about orphans (COMPOSE_IGNORE_ORPHANS). */
  ignoreOrphans?: boolean;
  /** Recreate networks whose configuration changed instead of failing. */
  recreateNetworks?: boolean;
  /** Recreate volumes whose configuration changed (their data is lost) instead of failing. */
  recreateVolumes?: boolean;
  /** Pull policy override (`up --pull`); default: each service's pull_policy, else `missing`. */
  pull?: 'always' | 'missing' | 'never' | 'build';
  /** true: build every service with `build` (`--build`); false: never build (`--no-build`); default: when missing. */
  build?: boolean;
  /** Plan no pull or build: images were dealt with before observing (see planImages). */
  skipImages?: boolean;
  /** Image refs this run has just built: a container on an older id is recreated with the reason `image rebuilt`. */
  builtImages?: ReadonlySet<string>;
  /** Wait for every service to be running or healthy at the end (`up --wait`). */
  wait?: boolean;
  /** Stop timeout in seconds for the stops of this plan (`-t`). */
  timeoutSec?: number;
  naming?: NamingOptions;
  labels?: LabelContext;
}
