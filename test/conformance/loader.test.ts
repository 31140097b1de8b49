/**
 * The loader vectors of ../shared/conformance/compose-go/loader: each case runs in a sandbox (a temporary
 * directory with the testdata copied in), loads through the loader (or, for cli.json, through loadProject with
 * the CLI's options) and checks the assertions against the reference's model shape (loader-view.ts).
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, loadRawModel, type ConfigDetails, type ModelOptions } from '../../src/model/loader.js';
import { loadProjectSync, prepareLoad, type LoadOptions } from '../../src/model/load.js';
import { renderProject } from '../../src/model/config-output.js';
import { FlotillaError } from '../../src/errors.js';
import type { Project } from '../../src/model/types.js';
import { composeGoView } from './loader-view.js';
import { checkAssertion, readPath, zeroEqual, type Assertion } from './loader-assert.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = resolve(projectRoot, '../shared/conformance/compose-go/loader');

interface LoaderCase {
  name: string;
  working_dir?: string;
  extra_files?: Array<{ path: string; content: string }>;
  files?: Array<{ name: string | null; content?: string }>;
  env?: Record<string, string> | null;
  options?: Record<string, unknown>;
  stage?: 'raw_model';
  expect?: Assertion[];
  error?: string | true;
  error_exact?: boolean;
  error_prefix?: string;
  error_if_any?: string;
  events?: { extends?: number };
  timeout_seconds?: number;
  // cli.json
  cwd?: string;
  stdin?: string;
  project_options?: Record<string, unknown>;
}

const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) rmSync(dir, { recursive: true, force: true });
});

function substitute<T>(value: T, replacements: Record<string, string>): T {
  if (typeof value === 'string') {
    let out: string = value;
    for (const [from, to] of Object.entries(replacements)) out = out.split(from).join(to);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, replacements)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replacements)])) as T;
  }
  return value;
}

/** A new empty directory whose name is lowercase (project names derive from directory names). */
function newDirectory(): string {
  const root = join(tmpdir(), `flotilla-loader-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(root);
  return root;
}

function newSandbox(copy: string): string {
  const root = newDirectory();
  sandboxes.push(root);
  cpSync(copy, root, { recursive: true });
  return root;
}

function writeFiles(base: string, files: Array<{ path: string; content: string }> | undefined): void {
  for (const file of files ?? []) {
    const path = join(base, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}

function modelOptions(options: Record<string, unknown>, root: string, events: string[]): ModelOptions {
  return {
    cwd: root,
    skipNormalization: options.skip_normalization === true,
    skipConsistencyCheck: options.skip_consistency_check === true,
    skipValidation: options.skip_validation === true,
    resolvePaths: options.resolve_paths !== false,
    profiles: (options.profiles as string[] | undefined) ?? [],
    projectName: options.project_name as string | undefined,
    projectNameImperativelySet: options.project_name_imperatively_set === true,
    onEvent: (event) => events.push(event),
  };
}

function checkError(c: LoaderCase, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const full = error instanceof FlotillaError ? error.oneLine() : message;
  // "line N: message" in the reference is our position (file:N:col) followed by the message
  const atLine = typeof c.error === 'string' ? /^line (\d+): (.*)$/.exec(c.error) : null;
  if (atLine && error instanceof FlotillaError) {
    expect(error.position?.line).toBe(Number(atLine[1]));
    expect(message).toContain(atLine[2]);
  } else if (c.error_exact && typeof c.error === 'string') expect(message).toBe(c.error);
  else if (typeof c.error === 'string') expect(full).toContain(c.error);
  if (c.error_prefix) expect(message.startsWith(c.error_prefix), `"${message}" starts with "${c.error_prefix}"`).toBe(true);
  if (c.error_if_any) expect(full).toContain(c.error_if_any);
}

function expectsError(c: LoaderCase): boolean {
  return c.error !== undefined || c.error_prefix !== undefined;
}

function assertAll(view: unknown, assertions: Assertion[]): void {
  const failures = assertions.map((a) => checkAssertion(view, a)).filter((f): f is string => f !== undefined);
  expect(failures).toEqual([]);
}

/** Prints the project and loads the printed YAML and JSON again, as the reference's round-trip check. */
function roundTrip(project: Project, details: ConfigDetails, options: ModelOptions, assertions: Assertion[]): void {
  for (const format of ['yaml', 'json'] as const) {
    const content = renderProject(project, format);
    const again = loadModel(
      { ...details, configFiles: [{ filename: `roundtrip.${format}`, content }] },
      { ...options, skipValidation: true, projectName: project.name, projectNameImperativelySet: true },
    );
    const failures = assertions.map((a) => checkAssertion(composeGoView(again), a)).filter(Boolean);
    expect(failures, `after a ${format} round trip`).toEqual([]);
  }
}

function runLoaderCase(raw: LoaderCase): void {
  // the testdata tree goes under testdata/, as the Go tests saw it
  const sandbox = newDirectory();
  sandboxes.push(sandbox);
  cpSync(join(vectors, 'testdata'), join(sandbox, 'testdata'), { recursive: true });
  const c = substitute(raw, { '{{root}}': sandbox });
  writeFiles(sandbox, c.extra_files);
  const events: string[] = [];
  const options = modelOptions(c.options ?? {}, sandbox, events);
  const details: ConfigDetails = {
    workingDir: c.working_dir ?? '',
    configFiles: (c.files ?? []).map((f) =>
      f.content !== undefined ? { filename: f.name ?? '(inline)', content: f.content } : { filename: f.name ?? '' },
    ),
    environment: c.env ?? {},
  };

  if (c.stage === 'raw_model') {
    const dict = loadRawModel(details, { cwd: sandbox, skipInterpolation: true, resolvePaths: false });
    for (const a of c.expect ?? []) expect(zeroEqual(readPath(dict, a.path), a.equals, '<root>', true)).toBeUndefined();
    return;
  }

  let project: Project;
  try {
    project = loadModel(details, options);
  } catch (error) {
    if (!expectsError(c) && c.error_if_any === undefined) throw error;
    checkError(c, error);
    return;
  }
  expect(expectsError(c), 'the load should have failed').toBe(false);
  assertAll(composeGoView(project), c.expect ?? []);
  if (c.events?.extends !== undefined) expect(events.filter((e) => e === 'extends').length).toBe(c.events.extends);
  const roundTrips = (c.expect ?? []).filter((a) => a.round_trip);
  if (roundTrips.length > 0) roundTrip(project, details, options, roundTrips);
}

function envList(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (list as string[] | null | undefined) ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

function runCliCase(raw: LoaderCase): void {
  const root = newSandbox(join(vectors, 'cli'));
  const cwd = join(root, raw.cwd ?? '.');
  mkdirSync(cwd, { recursive: true });
  const c = substitute(raw, { '{{cwd}}': cwd, '{{cwd_basename}}': basename(cwd), '{{root}}': root });
  writeFiles(cwd, c.extra_files);
  const po = c.project_options ?? {};
  const options: LoadOptions = {
    cwd,
    files: (po.config_files as string[] | undefined) ?? [],
    projectName: po.name as string | undefined,
    projectDirectory: po.working_dir as string | undefined,
    environment: { ...((po.os_env as Record<string, string> | undefined) ?? {}), ...envList(po.env) },
    envFiles: (po.env_files as string[] | undefined) ?? [],
    envFilesEnabled: po.dot_env === true,
    discardEnvFiles: po.discard_env_file === true,
    stdin: c.stdin,
  };
  const wantsOptionsEnv = (c.expect ?? []).some((a) => a.path[0] === '$options_environment');
  let view: Record<string, unknown>;
  try {
    if (wantsOptionsEnv) {
      view = { $options_environment: prepareLoad(options).environment };
    } else {
      view = composeGoView(loadProjectSync(options));
    }
  } catch (error) {
    if (!expectsError(c)) throw error;
    checkError(c, error);
    return;
  }
  expect(expectsError(c), 'the load should have failed').toBe(false);
  assertAll(view, c.expect ?? []);
}

const caseFiles = readdirSync(join(vectors, 'cases')).filter((f) => f.endsWith('.json')).sort();
for (const file of caseFiles) {
  const cases = JSON.parse(readFileSync(join(vectors, 'cases', file), 'utf8')) as LoaderCase[];
  describe(`loader/${file}`, () => {
    for (const c of cases) {
      const timeout = (c.timeout_seconds ?? 10) * 1000;
      it(c.name, () => (file === 'cli.json' ? runCliCase(c) : runLoaderCase(c)), timeout);
    }
  });
}
