/**
 * Runs the CLI bundle (one CommonJS file, see scripts/bundle-cli.mjs) with a V8 code cache. Node 20 has no
 * compile cache of its own, and compiling the CLI's code again on every start was a sixth of a short command's
 * time. The cache holds the functions compiled by an earlier run of the same command (one file per command,
 * since `config` and `up` run different code) and sits in the user's cache directory. Its name carries the
 * bundle's content hash: V8 itself only checks the source length. Any failure to read or write it only costs the
 * speed-up.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Global options that take a value as the next argument: the command is the first other plain word. */
const VALUE_OPTIONS = new Set([
  '-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '--engine', '--data-root',
  '--parallel', '--progress', '--ansi',
]);

/** The command word of a command line (`up`, `config`...), to pick its cache; `none` when there is none. */
export function commandKey(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return /^[a-z][a-z-]{0,30}$/.test(arg) ? arg : 'other';
  }
  return 'none';
}

export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'flotilla', 'v8');
}

interface CliBundle {
  run(argv: string[]): Promise<void>;
}

/** Loads `bundlePath` (code cache permitting) and runs the CLI with `argv`. */
export async function runBundle(bundlePath: string, argv: string[]): Promise<void> {
  const source = readFileSync(bundlePath, 'utf8');
  const stem = basename(bundlePath, '.cjs');
  const dir = codeCacheDir();
  const cacheFile = join(dir, `${stem}-${commandKey(argv.slice(2))}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const module = { exports: {} as CliBundle };
  const load = script.runInThisContext() as (...args: unknown[]) => void;
  load(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  try {
    await module.exports.run(argv);
  } finally {
    // only a command that succeeded: a mistyped one would leave a cache under its mistyped name
    const succeeded = !process.exitCode;
    if (succeeded && (cachedData === undefined || script.cachedDataRejected)) saveCache(script, dir, cacheFile, stem);
  }
}

function saveCache(script: Script, dir: string, cacheFile: string, stem: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // caches of other builds are of no more use
    for (const name of readdirSync(dir)) if (!name.startsWith(`${stem}-`)) rmSync(join(dir, name), { force: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only or full cache directory: run without the cache
  }
}
