/**
 * The engine and end-to-end suites run the compiled package: the shipped CLI (dist/bin/flotilla.js) and the helper
 * processes it starts from dist/. Built once per test run, and only when a source is newer than the build (after
 * `npm run build`, as `npm test` does, there is nothing to do), so that a suite run alone after a change tests it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist/bin/flotilla.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default async function buildForTests(): Promise<void> {
  const builtAt = existsSync(cli) ? statSync(cli).mtimeMs : 0;
  if (newestSource(join(root, 'src')) <= builtAt && statSync(join(root, 'package.json')).mtimeMs <= builtAt) return;
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  // tsc emits in spite of type errors: report them, and test what was emitted
  if (tsc.status !== 0) process.stderr.write(`tsc reported errors:\n${tsc.stdout}${tsc.stderr}`);
  const { bundleCli } = await import('../../scripts/bundle-cli.mjs');
  await bundleCli();
}
