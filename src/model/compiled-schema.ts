/**
 * Where the ahead-of-time compiled validator (schema/compose-spec.validate.cjs, written by
 * scripts/gen-schema-types.mjs) is loaded from: found from this module's place at run time. The CLI bundle
 * replaces this module with a static require of that file (scripts/bundle-cli.mjs), so the validator is part of
 * the bundle and of its code cache.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function loadCompiledValidator(): unknown {
  return require('../../schema/compose-spec.validate.cjs');
}
