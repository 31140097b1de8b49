import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDefaultComposeFiles } from '../../src/model/discovery.js';
import { loadProjectSync, prepareLoad } from '../../src/model/load.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-disc-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const SERVICE = 'services:\n  web:\n    image: nginx:${TAG:-latest}\n';

describe('file discovery', () => {
  it('finds compose.yaml in a parent directory, with the override file of that directory', () => {
    const root = tree({ 'compose.yaml': SERVICE, 'compose.override.yml': SERVICE, 'docker-compose.yml': SERVICE, 'a/b/.keep': '' });
    const warnings: string[] = [];
    const files = findDefaultComposeFiles(join(root, 'a/b'), (w) => warnings.push(w));
    expect(files).toEqual([join(root, 'compose.yaml'), join(root, 'compose.override.yml')]);
    expect(warnings[0]).toContain('Found multiple config files');
  });

  it('uses COMPOSE_FILE with COMPOSE_PATH_SEPARATOR when no -f is given', () => {
    const root = tree({ 'one.yaml': SERVICE, 'two.yaml': 'services:\n  web:\n    image: redis\n' });
    const loaded = loadProjectSync({
      cwd: root,
      environment: { COMPOSE_FILE: 'one.yaml;two.yaml', COMPOSE_PATH_SEPARATOR: ';' },
    });
    expect(loaded.compose_files).toEqual([join(root, 'one.yaml'), join(root, 'two.yaml')]);
    expect(loaded.services.web?.image).toBe('redis');
  });

  it('reads "-" from the given standard input', () => {
    const root = tree({});
    const loaded = loadProjectSync({ cwd: root, files: ['-'], stdin: SERVICE, environment: {}, projectName: 'p' });
    expect(loaded.services.web?.image).toBe('nginx:latest');
  });

  it('fails with exit 14 when nothing is found', () => {
    const root = tree({ 'deep/.keep': '' });
    expect(() => loadProjectSync({ cwd: join(root, 'deep'), files: [join(root, 'nope.yaml')], environment: {} })).toThrow(
      /no such file or directory/,
    );
  });
});

describe('environment precedence', () => {
  it('process environment wins over .env; .env COMPOSE_* keys act like environment variables', () => {
    const root = tree({
      'compose.yaml': SERVICE,
      '.env': 'TAG=from-dotenv\nCOMPOSE_PROFILES=debug\nOTHER=${TAG}-x\n',
    });
    expect(loadProjectSync({ cwd: root, environment: {} }).services.web?.image).toBe('nginx:from-dotenv');
    const shell = loadProjectSync({ cwd: root, environment: { TAG: 'from-shell' } });
    expect(shell.services.web?.image).toBe('nginx:from-shell');
    expect(shell.environment.OTHER).toBe('from-shell-x');
    expect(shell.profiles).toEqual(['debug']);
  });

  it('an explicit --env-file replaces .env; COMPOSE_DISABLE_ENV_FILE skips it', () => {
    const root = tree({ 'compose.yaml': SERVICE, '.env': 'TAG=dot\n', 'other.env': 'TAG=other\n' });
    expect(loadProjectSync({ cwd: root, environment: {}, envFiles: ['other.env'] }).services.web?.image).toBe('nginx:other');
    expect(loadProjectSync({ cwd: root, environment: { COMPOSE_DISABLE_ENV_FILE: 'true' } }).services.web?.image).toBe(
      'nginx:latest',
    );
    expect(prepareLoad({ cwd: root, environment: { COMPOSE_ENV_FILES: 'other.env' } }).environment.TAG).toBe('other');
  });

  it('resolves env_file then environment; bare names come from the project variables', () => {
    const root = tree({
      'compose.yaml':
        'services:\n  web:\n    image: nginx\n    env_file: [a.env]\n    environment:\n      - B=inline\n      - FROM_SHELL\n      - UNSET\n',
      'a.env': 'A=1\nB=file\n',
    });
    const web = loadProjectSync({ cwd: root, environment: { FROM_SHELL: 'yes' } }).services.web;
    expect(web?.environment).toEqual({ A: '1', B: 'inline', FROM_SHELL: 'yes', UNSET: null });
    expect(web?.env_file).toBeUndefined();
  });
});
