/**
 * Remote build contexts (`build.context: https://github.com/org/repo.git#main:dir`). The engine is not asked to
 * fetch them (the classic builder would, with its own network and no progress); Flotilla clones the repository
 * into a temporary directory with the local `git` and builds from there. Offline, or without git, the build
 * stops before anything else happens with "git contexts are not supported offline".
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuildConfigError } from './errors.js';

const CLONE_TIMEOUT_MS = 60_000;

/** True for what Docker treats as a Git context rather than a directory. */
export function isRemoteContext(context: string): boolean {
  return /^(git@|git:\/\/|ssh:\/\/|https?:\/\/|github\.com\/)/.test(context);
}

export interface ClonedContext {
  /** The directory to use as the context (the sub-directory of the fragment, if any). */
  dir: string;
  remove(): Promise<void>;
}

/** `url#ref:subdir` → a shallow clone of `ref`, context at `subdir`. */
export async function cloneGitContext(context: string, signal?: AbortSignal): Promise<ClonedContext> {
  if (/^https?:\/\//.test(context) && !/\.git(#|$)/.test(context) && !context.includes('#')) {
    throw new ImageBuildConfigError(`build context ${context} is a URL but not a Git repository`,
      'remote tarball contexts are not supported; use a Git URL ending in .git or a local directory');
  }
  const hash = context.indexOf('#');
  let url = hash === -1 ? context : context.slice(0, hash);
  const fragment = hash === -1 ? '' : context.slice(hash + 1);
  if (url.startsWith('github.com/')) url = `https://${url}`;
  const [ref, subdir] = fragment.split(':', 2) as [string, string | undefined];
  const dir = await fs.mkdtemp(join(tmpdir(), 'flotilla-git-context-'));
  const remove = (): Promise<void> => fs.rm(dir, { recursive: true, force: true });
  const args = ['clone', '--quiet', '--depth', '1', '--recurse-submodules', ...(ref ? ['--branch', ref] : []), url, dir];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('git', args, {
        timeout: CLONE_TIMEOUT_MS,
        signal,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
      }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : lastLine(stderr) || error.message;
        reject(new ImageBuildConfigError(`git contexts are not supported offline: cannot fetch ${url}${ref ? ` (${ref})` : ''}: ${why}`,
          'build from a local directory, or make the repository reachable'));
      });
    });
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir: subdir ? join(dir, subdir) : dir, remove };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').replace(/^fatal: /, '');
}
