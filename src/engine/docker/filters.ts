/** Docker's `filters` query parameter: a JSON map of filter name → list of values. */
import type { LabelFilter } from '../types.js';

export type DockerFilters = Record<string, string[]>;

/** `{a: "1", b: true}` → `["a=1", "b"]`: an exact value, or the label's existence. */
export function labelFilterValues(labels: LabelFilter | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

/** Client-side check of the same rule, for results the daemon could not filter exactly. */
export function matchesLabels(actual: Record<string, string> | undefined, wanted: LabelFilter | undefined): boolean {
  for (const [key, value] of Object.entries(wanted ?? {})) {
    const have = actual?.[key];
    if (have === undefined || (value !== true && have !== value)) return false;
  }
  return true;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The filters query value, or undefined when there is nothing to filter (so no parameter is sent). */
export function filtersParam(filters: DockerFilters): string | undefined {
  const used = Object.entries(filters).filter(([, values]) => values.length > 0);
  return used.length ? JSON.stringify(Object.fromEntries(used)) : undefined;
}
