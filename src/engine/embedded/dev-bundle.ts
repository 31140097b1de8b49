/**
 * Helper processes (supervisors, name servers, port proxies) run as `node <script>`. From dist/ the script is the
 * compiled file; run from sources (the tests), it is bundled with esbuild into a cache dir, once per process even
 * when several containers ask for it at the same moment.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const building = new Map<string, Promise<void>>();

/** Makes `out` a bundle of `source` unless it exists; the temp file is unique, the rename atomic. */
export async function bundleOnce(source: string, out: string): Promise<string> {
  if (existsSync(out)) return out;
  let pending = building.get(out);
  if (!pending) {
    pending = bundle(source, out).finally(() => building.delete(out));
    building.set(out, pending);
  }
  await pending;
  return out;
}

async function bundle(source: string, out: string): Promise<void> {
  const moduleName = 'esbuild'; // a dev-only tool, never loaded when running from dist/
  const esbuild = (await import(moduleName)) as { build(options: Record<string, unknown>): Promise<unknown> };
  await fs.mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await esbuild.build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: tmp, logLevel: 'silent' });
    await fs.rename(tmp, out);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * A compiled file of the package's dist/ directory, found from the package root. The bundled CLI runs from
 * dist/cli/, where a helper's script is not beside the module that starts it.
 */
export function shippedScript(...distPath: string[]): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const script = join(dir, 'dist', ...distPath);
    return existsSync(script) ? script : undefined;
  }
  return undefined;
}
