/**
 * Project names: what Docker Compose accepts (lowercase letters, digits, `_` and `-`, starting with a letter or a
 * digit) and how it derives one from a directory or a `name:` attribute (lowercased, other characters dropped).
 */
import { FlotillaError } from '../errors.js';

export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export function isValidProjectName(name: string): boolean {
  return name !== '' && normalizeProjectName(name) === name;
}

export function invalidProjectNameError(name: string): FlotillaError {
  return new FlotillaError(
    `invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
    { hint: `try "${normalizeProjectName(name) || 'myproject'}"` },
  );
}
