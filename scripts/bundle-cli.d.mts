/** Bundles the CLI into dist/bin/ (see bundle-cli.mjs). */
export function bundleCli(options?: { prune?: boolean }): Promise<void>;
export const outdir: string;
