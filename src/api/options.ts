/**
 * Options of the programmatic API. The CLI maps its flags onto exactly these; every field is optional and the
 * defaults are Docker Compose's.
 */
import type { Engine } from '../engine/types.js';
import type { ImageEventListener } from '../images/events.js';
import type { EventListener } from '../reconcile/events.js';
import type { LockHolder } from '../reconcile/lock.js';
import type { Plan } from '../reconcile/plan.js';

/** Which project, on which engine: the global flags. */
export interface ProjectOptions {
  /** Compose files (`-f`), merged in order; default: compose.yaml & co. found from the working directory up. */
  files?: string[];
  /** `-p`; default: `name:` in the file, COMPOSE_PROJECT_NAME, else the project directory's name. */
  projectName?: string;
  /** Default: the directory of the first file. */
  projectDirectory?: string;
  /** `--env-file`, in order; default: `.env` of the project directory. */
  envFiles?: string[];
  /** Profiles to enable (`--profile`), in addition to COMPOSE_PROFILES. */
  profiles?: string[];
  /** `docker`, `embedded`, `auto` (default), or an Engine to use as is (it is not closed afterwards). */
  engine?: 'auto' | 'docker' | 'embedded' | Engine;
  /** Most engine calls at once (`--parallel`); -1 or absent: COMPOSE_PARALLEL_LIMIT, else unlimited. */
  parallel?: number;
  /** `--compatibility`: `_` as the container name separator. */
  compatibility?: boolean;
  /** Environment for interpolation and COMPOSE_* settings; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Working directory files are looked up from; default process.cwd(). */
  cwd?: string;
  /** Aborting (Ctrl-C) stops scheduling new operations; calls in flight finish. */
  signal?: AbortSignal;
  /** Progress of every operation, as it happens. */
  onEvent?: EventListener;
  /** Warnings of the loader and the planner (orphans, optional dependencies that failed, ...). */
  onWarning?: (message: string) => void;
}

/** Options of commands that change the project: they take the project lock. */
export interface LockingOptions {
  /** Fail at once instead of waiting when another Flotilla process is changing the project (`--no-wait-lock`). */
  noWaitLock?: boolean;
  /** Called once if we have to wait for another process's lock. */
  onLockWait?: (holder: LockHolder) => void;
  /** Called with the plan before anything runs (to show it, or to draw progress lines). */
  onPlan?: (plan: Plan) => void;
  /** Plan only, change nothing (`--dry-run`): the result holds the plan. */
  dryRun?: boolean;
}

/** `up` and `create`. */
export interface UpOptions extends ProjectOptions, LockingOptions {
  /** Services to bring up (with their dependencies unless `noDeps`); default all. */
  services?: string[];
  /** Wait until every service is running or healthy (`--wait`). */
  wait?: boolean;
  /** Bound on `--wait` and dependency waits, in seconds (`--wait-timeout`). */
  waitTimeoutSec?: number;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  /** Create containers without starting them (`--no-start`). */
  noStart?: boolean;
  noDeps?: boolean;
  alwaysRecreateDeps?: boolean;
  /** `-V`: fresh anonymous volumes instead of the old containers'. */
  renewAnonVolumes?: boolean;
  /** Replica counts, overriding the file (`--scale web=3`). */
  scale?: Record<string, number>;
  removeOrphans?: boolean;
  /** `--pull`: always, missing, never, build; default each service's pull_policy. */
  pull?: 'always' | 'missing' | 'never' | 'build';
  /** `--build` (true: build every service that has a build section), `--no-build` (false: never build). */
  build?: boolean;
  /** Progress of the pulls and builds done before the plan. */
  onImageEvent?: ImageEventListener;
  /** Awaited once the pulls and builds are over, before the plan (to release their progress display). */
  onImagesDone?: () => Promise<void>;
  /** `-y`: recreate volumes whose configuration changed (their data is lost) instead of failing. */
  yes?: boolean;
  /** Stop timeout in seconds for containers this run stops (`-t`). */
  timeoutSec?: number;
}

/** Options of `start`: which services, and whether to wait until they are running or healthy. */
export interface StartOptions extends ProjectOptions, LockingOptions {
  services?: string[];
  wait?: boolean;
  waitTimeoutSec?: number;
}

/** Options of `stop`: which services and the stop timeout. */
export interface StopOptions extends ProjectOptions, LockingOptions {
  services?: string[];
  /** Seconds before SIGKILL; default each container's stop_grace_period. */
  timeoutSec?: number;
}

/** Options of `restart`: which services, the stop timeout, and whether `restart: true` dependents follow. */
export interface RestartOptions extends StopOptions {
  /** Do not restart the services that depend on the named ones with `restart: true`. */
  noDeps?: boolean;
}

/** Options of `rm`: which services, stop running ones first, remove anonymous volumes. */
export interface RmOptions extends ProjectOptions, LockingOptions {
  services?: string[];
  /** Stop running containers first (`-s`); otherwise only stopped containers are removed. */
  stop?: boolean;
  /** Remove anonymous volumes with the containers (`-v`). */
  volumes?: boolean;
  timeoutSec?: number;
  /**
   * Asked with the names of the containers about to be removed, once they are known (under the project lock);
   * resolving false removes nothing. Absent: remove without asking (the CLI asks unless `rm -f`).
   */
  confirm?: (containers: string[]) => Promise<boolean>;
}

/** Options of `down`: what to remove besides containers and networks (volumes, images, orphans) and the stop timeout. */
export interface DownOptions extends ProjectOptions, LockingOptions {
  /** Only these services (and the services that depend on them). */
  services?: string[];
  /** Also named volumes declared in the file and anonymous volumes (`-v`). */
  volumes?: boolean;
  /** Remove images: `local` (built ones without a custom tag), `all`. */
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  timeoutSec?: number;
}

/** Options of `ps`: which services, stopped containers too, filter by state. */
export interface PsOptions extends ProjectOptions {
  services?: string[];
  /** Stopped containers too (`-a`). */
  all?: boolean;
  /** Only containers in these states (`--status`). */
  status?: string[];
}
