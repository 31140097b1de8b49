#!/usr/bin/env node
/**
 * The `flotilla` (and `compose`) command. `--version` answers before anything else loads, since scripts call it
 * often. As shipped (dist/bin/flotilla.js, made by scripts/bundle-cli.mjs) the rest of the CLI is one bundle run
 * with a code cache; compiled by tsc alone (dist/cli/main.js) it loads the modules as they are.
 */
import { fileURLToPath } from 'node:url';
import { readVersion } from './version.js';

/** The bundle's file name beside this script, set when bundling. */
declare const FLOTILLA_CLI_BUNDLE: string | undefined;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${readVersion()}\n`);
} else if (typeof FLOTILLA_CLI_BUNDLE === 'string') {
  const { runBundle } = await import('./code-cache.js');
  await runBundle(fileURLToPath(new URL(FLOTILLA_CLI_BUNDLE, import.meta.url)), process.argv);
} else {
  const { run } = await import('./program.js');
  await run(process.argv);
}
