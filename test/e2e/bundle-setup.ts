/**
 * The end-to-end suites run the shipped CLI, dist/bin/flotilla.js: bundle it from the current sources first, so
 * that a suite run alone after a change to src/cli (or anything it loads) tests that change.
 */
export default async function bundleForTests(): Promise<void> {
  const { bundleCli } = (await import('../../scripts/bundle-cli.mjs')) as { bundleCli(options?: { prune?: boolean }): Promise<void> };
  await bundleCli();
}
