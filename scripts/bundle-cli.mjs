#!/usr/bin/env node
/**
 * Bundles the CLI (src/cli/main.ts) into dist/bin/flotilla.js plus shared chunks, one per set of lazily loaded
 * commands. Node 20 resolves and links every ES module file on its own, and that, not running the code, was most
 * of a short command's time (about 40 ms of `flotilla config`). dist/bin/ has the depth of the compiled modules, so
 * paths computed from import.meta.url (package.json, schema/) stay right; the helper processes (supervisor, name
 * servers, proxies, reaper) keep running from their compiled files in dist/. dockerode is left out: it is only
 * loaded for ssh:// endpoints and carries native addons.
 *
 * Safe to run while another process runs the CLI: chunks are named by their content and written only when
 * missing, the entry replaced by a rename. `--prune` (npm run build) also deletes chunks no longer used.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outdir = join(root, 'dist/bin');

export async function bundleCli({ prune = false } = {}) {
  const result = await build({
    entryPoints: { flotilla: join(root, 'src/cli/main.ts') },
    outdir,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    external: ['dockerode', 'docker-modem', 'ssh2', 'cpu-features', 'esbuild'],
    // Bundled CommonJS packages call require() for Node's built-in modules.
    banner: { js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  mkdirSync(outdir, { recursive: true });
  const written = new Set();
  for (const file of result.outputFiles) {
    written.add(basename(file.path));
    if (basename(file.path).startsWith('chunk-')) {
      if (!existsSync(file.path)) writeAtomic(file.path, file.contents);
    } else {
      writeAtomic(file.path, file.contents);
    }
  }
  if (prune) for (const name of readdirSync(outdir)) if (!written.has(name)) rmSync(join(outdir, name), { force: true });
}

function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents, { mode: 0o755 });
  renameSync(tmp, path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli({ prune: process.argv.includes('--prune') });
}
