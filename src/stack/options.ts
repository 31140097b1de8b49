/** Options of the Stack API. */
import type { Engine } from '../engine/types.js';
import type { StackEvent } from './events.js';

/** How to start a stack. Everything is optional: `Stack.up()` starts the compose file of the working directory. */
export interface StackUpOptions {
  /** Compose files, merged in order; default: compose.yaml & co. found from `cwd` up. */
  files?: string[];
  /**
   * `'auto'` (the default): the project's usual name (its `name:` or its directory) plus a random suffix, so that
   * any number of copies of one file can run at once. A string: exactly that project.
   */
  projectName?: string | 'auto';
  /** Variables for interpolation and COMPOSE_* settings, on top of the process environment. */
  env?: Record<string, string | undefined>;
  profiles?: string[];
  /** Only these services (and what they depend on); default all. */
  services?: string[];
  /**
   * `docker`, `embedded`, `auto` (default), or an Engine to use as is (the stack does not close it). The embedded
   * engine's data root is FLOTILLA_DATA_ROOT of `env`, else of the process environment.
   */
  engine?: 'auto' | 'docker' | 'embedded' | Engine;
  /**
   * Wait until every service is running, or healthy when it has a healthcheck, and every one-shot that others
   * depend on with `service_completed_successfully` has completed (default true). A service that exits or turns
   * unhealthy meanwhile fails the start at once with ServiceNotReadyError.
   */
  wait?: boolean;
  /** Bound on the whole start, dependency waits included (default 120 000 ms); StackTimeoutError after it. */
  timeoutMs?: number;
  /**
   * Remove the stack when this process dies, even by `kill -9` (a detached watcher does it), and label it
   * `dev.flotilla.ephemeral=<pid>@<host>` so that `flotilla reap` finds it if the watcher could not.
   * Default: true with an automatic project name, false with a given one.
   */
  ephemeral?: boolean;
  /** Directory the default files are looked up from (default process.cwd()). */
  cwd?: string;
  /** Progress and state changes while the stack starts (and stops). */
  onEvent?: (event: StackEvent) => void;
  /** Aborting stops the start (operations in flight finish); an ephemeral stack is then removed. */
  signal?: AbortSignal;
  /** Log lines carried by a start failure (default 20). */
  logLines?: number;
  /** Leave a stack that failed to start in place, for a look at it (default false: an ephemeral one is removed). */
  keepOnFailure?: boolean;
}

/** How to stop a stack. */
export interface StackDownOptions {
  /** Remove its named and anonymous volumes too (default: true for an ephemeral stack, else false). */
  volumes?: boolean;
  /** Seconds containers get to stop before they are killed (default: 0 for an ephemeral stack, else theirs). */
  timeoutSec?: number;
}

/** Which container of a service, and which protocol. */
export interface StackPortOptions {
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Replica number; default the lowest-numbered container. */
  index?: number;
}

/** Which port, and how to write the URL. */
export interface StackUrlOptions extends StackPortOptions {
  /** Default `http`. */
  scheme?: string;
  /** Appended to the address, e.g. `/health`. */
  path?: string;
}

/** The command's environment, user, directory and input. */
export interface StackExecOptions {
  /** Variables for the command. */
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  /** Fed to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  /** Replica number; default the lowest-numbered running container. */
  index?: number;
}

/** What a command run with `exec` did. */
export interface StackExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How much of the logs. */
export interface StackLogsOptions {
  /** Only the last lines of each container. */
  tail?: number;
}
