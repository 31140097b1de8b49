#!/usr/bin/env node
/**
 * The `flotilla` (and `compose`) command. `--version` answers before anything else loads, since scripts call it
 * often; everything else goes through the commander program.
 */
import { readVersion } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${readVersion()}\n`);
} else {
  const { run } = await import('./program.js');
  await run(process.argv);
}
