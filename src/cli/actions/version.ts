import type { GlobalOptions } from '../options.js';
import { readVersion } from '../version.js';

export function runVersion(flags: GlobalOptions & { format: 'pretty' | 'json'; short?: boolean }): void {
  const version = readVersion();
  if (flags.short) process.stdout.write(`${version}\n`);
  else if (flags.format === 'json') process.stdout.write(JSON.stringify({ version: `v${version}` }) + '\n');
  else process.stdout.write(`Flotilla version v${version}\n`);
}
