import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValidProjectName, normalizeProjectName } from '../../src/model/project-name.js';
import { loadProjectSync } from '../../src/model/load.js';

function project(dirName: string, content: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'flotilla-name-')), dirName);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'compose.yaml'), content);
  return dir;
}

describe('project names', () => {
  it('normalizes like the reference: lowercase, [a-z0-9_-] only, no leading _ or -', () => {
    expect(normalizeProjectName('My App.v2')).toBe('myappv2');
    expect(normalizeProjectName('__-x_Y')).toBe('x_y');
    expect(normalizeProjectName('UNNORMALIZED PATH')).toBe('unnormalizedpath');
  });

  it('accepts only names equal to their normalized form', () => {
    expect(isValidProjectName('web-1_a')).toBe(true);
    expect(isValidProjectName('42app')).toBe(true);
    for (const bad of ['Web', '-web', '_web', 'www.example', '']) expect(isValidProjectName(bad)).toBe(false);
  });

  it('takes -p over COMPOSE_PROJECT_NAME over name: over the directory', () => {
    const dir = project('Some Dir', 'name: from-file\nservices:\n  web:\n    image: nginx\n');
    const base = { cwd: dir, environment: {} };
    expect(loadProjectSync({ ...base, projectName: 'flag' }).name).toBe('flag');
    expect(loadProjectSync({ ...base, environment: { COMPOSE_PROJECT_NAME: 'env' } }).name).toBe('env');
    expect(loadProjectSync(base).name).toBe('from-file');
    const unnamed = project('Some Dir', 'services:\n  web:\n    image: nginx\n');
    expect(loadProjectSync({ cwd: unnamed, environment: {} }).name).toBe('somedir');
  });

  it('rejects an invalid explicit name with the reference message', () => {
    const dir = project('app', 'services:\n  web:\n    image: nginx\n');
    expect(() => loadProjectSync({ cwd: dir, environment: {}, projectName: 'Bad' })).toThrow(
      'invalid project name "Bad": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number',
    );
    expect(() => loadProjectSync({ cwd: dir, environment: { COMPOSE_PROJECT_NAME: '-x' } })).toThrow('invalid project name "-x"');
  });

  it('normalizes a name: attribute silently and makes it available as ${COMPOSE_PROJECT_NAME}', () => {
    const dir = project('app', 'name: My-App\nservices:\n  web:\n    image: nginx\n    container_name: ${COMPOSE_PROJECT_NAME}-web\n');
    const loaded = loadProjectSync({ cwd: dir, environment: {} });
    expect(loaded.name).toBe('my-app');
    expect(loaded.services.web?.container_name).toBe('my-app-web');
  });
});
