#!/usr/bin/env node
/**
 * Bundles the CLI for dist/bin/: flotilla.js, the command (from src/cli/main.ts: `--version`, then the code-cached
 * run of the rest), and cli-<content hash>.cjs, everything else in one CommonJS file (src/cli/program.ts and what
 * it loads). Node 20 resolves, links and compiles every module file on its own at each start; one file run with a
 * V8 code cache (src/cli/code-cache.ts) skips most of that. dist/bin/ has the depth of the compiled modules, so
 * paths computed from import.meta.url (package.json, schema/) stay right; the helper processes (supervisor, name
 * servers, proxies, reaper) keep running from their compiled files in dist/. dockerode is left out: it is only
 * loaded for ssh:// endpoints and carries native addons.
 *
 * Safe to run while another process runs the CLI: the bundle is named by its content and written only when
 * missing, the command replaced by a rename. `--prune` (npm run build) also deletes bundles no longer used.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outdir = join(root, 'dist/bin');
const external = ['dockerode', 'docker-modem', 'ssh2', 'cpu-features', 'esbuild'];

/** The compiled schema validator goes into the bundle: see src/model/compiled-schema.ts. */
const bundledValidator = {
  name: 'bundled-validator',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]model[\\/]compiled-schema\.ts$/ }, () => ({
      contents: `export function loadCompiledValidator() { return require(${JSON.stringify(join(root, 'schema/compose-spec.validate.cjs'))}); }`,
      loader: 'js',
      resolveDir: join(root, 'src/model'),
    }));
  },
};

export async function bundleCli({ prune = false } = {}) {
  const cli = await build({
    entryPoints: [join(root, 'src/cli/program.ts')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    write: false,
    outfile: join(outdir, 'cli.cjs'),
    external,
    // import() needs a loader callback in a vm script: let every dynamic import be a require()
    supported: { 'dynamic-import': false },
    plugins: [bundledValidator],
    // the modules find package.json and schema/ from their own URL: in the bundle, the bundle's
    define: { 'import.meta.url': '__flotillaModuleUrl' },
    banner: { js: "const __flotillaModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  const code = cli.outputFiles[0].contents;
  const bundleName = `cli-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
  mkdirSync(outdir, { recursive: true });
  if (!existsSync(join(outdir, bundleName))) writeAtomic(join(outdir, bundleName), code);

  const command = await build({
    entryPoints: [join(root, 'src/cli/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    outfile: join(outdir, 'flotilla.js'),
    external: [...external, './program.js'],
    define: { FLOTILLA_CLI_BUNDLE: JSON.stringify(`./${bundleName}`) },
    minifySyntax: true,
    logLevel: 'warning',
  });
  writeAtomic(join(outdir, 'flotilla.js'), command.outputFiles[0].contents);
  if (prune) {
    for (const name of readdirSync(outdir)) if (name !== 'flotilla.js' && name !== bundleName) rmSync(join(outdir, name), { force: true });
  }
}

function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents, { mode: 0o755 });
  renameSync(tmp, path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli({ prune: process.argv.includes('--prune') });
}
