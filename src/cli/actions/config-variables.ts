/** `flotilla config --variables`: the variables the files reference, with defaults, as a table or data. */
import type { LoadOptions } from '../../model/load.js';

export async function listVariables(options: LoadOptions, format: 'yaml' | 'json'): Promise<string> {
  const { loadRawProjectModel } = await import('../../model/load.js');
  const { extractVariables } = await import('../../model/template.js');
  const variables = [...extractVariables(loadRawProjectModel(options)).values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  if (format === 'json') {
    const data = Object.fromEntries(
      variables.map((v) => [
        v.name,
        { Name: v.name, DefaultValue: v.defaultValue ?? '', PresenceValue: v.presenceValue ?? '', Required: v.required },
      ]),
    );
    return JSON.stringify(data, null, 2) + '\n';
  }
  const rows = [
    ['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'],
    ...variables.map((v) => [v.name, String(v.required), v.defaultValue ?? '', v.presenceValue ?? '']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]! + 3)).join('').trimEnd()).join('\n') + '\n';
}
