/** Rendering of the canonical document as YAML (the default of `config`) or JSON. */
import { stringify } from 'yaml';
import type { Project } from './types.js';
import { projectDocument } from './serialize.js';

export function renderProject(project: Project, format: 'yaml' | 'json'): string {
  return renderDocument(projectDocument(project), format);
}

export function renderDocument(doc: unknown, format: 'yaml' | 'json'): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  return stringify(doc, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
