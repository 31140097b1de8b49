/**
 * Loader vectors that are skipped, with the reason. Only Go-only mechanisms belong here (the conformance
 * README asks for at most 10 skips across all families).
 */
export const loaderSkips: Record<string, string> = {};
