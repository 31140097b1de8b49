#!/usr/bin/env node
/**
 * Bundles the CLI (src/cli/main.ts) into dist/cli/: main.js plus shared chunks, one per set of lazily loaded
 * commands. Node 20 resolves and links every ES module file on its own, and that, not running the code, was most
 * of a short command's time (about 40 ms of `flotilla config`). Chunks sit beside main.js, at the depth of the
 * compiled modules, so paths computed from import.meta.url (package.json, schema/) stay right; the helper processes
 * (supervisor, name servers, proxies, reaper) keep running from their compiled files in dist/.
 * dockerode is left out: it is only loaded for ssh:// endpoints and carries native addons.
 */
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/cli');
for (const name of readdirSync(outdir)) if (name.startsWith('chunk-')) rmSync(join(outdir, name));

await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  allowOverwrite: true,
  external: ['dockerode', 'docker-modem', 'ssh2', 'cpu-features', 'esbuild'],
  // Bundled CommonJS packages call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);" },
  logLevel: 'warning',
});
