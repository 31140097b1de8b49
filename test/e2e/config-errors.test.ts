/**
 * Broken compose files through the built CLI (`flotilla config`): the exit code is Docker Compose's (15: the file
 * does not parse or validate, 14: a file is missing, 1: anything else), stderr is one line that says where
 * (file:line:col, or the service and attribute) and what, with no stack trace unless --verbose.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/bin/flotilla.js');
const bad = join(root, 'test/fixtures/bad');

interface BadCase {
  file: string;
  exit: 1 | 14 | 15;
  message: string;
  /** `file:line:col` expected; otherwise the service and attribute must be named (`where`). */
  line?: number;
  where?: string;
  args?: string[];
  env?: Record<string, string>;
}

const cases: BadCase[] = [
  { file: 'wrong-type-image.yaml', exit: 15, line: 3, message: 'services.web.image must be a string' },
  { file: 'unknown-service-key.yaml', exit: 15, line: 4, message: "additional properties 'colour' not allowed" },
  { file: 'unknown-top-level-key.yaml', exit: 15, line: 5, message: "additional properties 'service' not allowed" },
  { file: 'services-not-mapping.yaml', exit: 15, line: 2, message: 'services must be a mapping' },
  { file: 'top-level-list.yaml', exit: 15, line: 1, message: 'top-level object must be a mapping' },
  { file: 'bad-port-letters.yaml', exit: 15, line: 5, message: '"80:abc" is not a valid port' },
  { file: 'bad-port-range.yaml', exit: 15, line: 5, message: '"80-82:8080-8081" is not a valid port' },
  { file: 'bad-port-protocol.yaml', exit: 15, line: 5, message: '"80:80/icmp" is not a valid port' },
  { file: 'port-too-large.yaml', exit: 15, line: 5, message: '"70000:80" is not a valid port' },
  { file: 'undefined-service-depends-on.yaml', exit: 1, line: 5, message: 'service "web" depends on undefined service "db"' },
  { file: 'undefined-network.yaml', exit: 1, line: 5, message: 'service "web" refers to undefined network backend' },
  { file: 'undefined-volume.yaml', exit: 1, line: 5, message: 'service "web" refers to undefined volume data' },
  { file: 'undefined-secret.yaml', exit: 1, line: 5, message: 'service "web" refers to undefined secret token' },
  { file: 'undefined-config.yaml', exit: 1, line: 5, message: 'service "web" refers to undefined config nginx_conf' },
  { file: 'undefined-network-mode-service.yaml', exit: 1, line: 3, message: 'depends on undefined service "vpn"' },
  { file: 'dependency-cycle.yaml', exit: 1, line: 10, message: 'dependency cycle detected: a -> b -> c -> a' },
  { file: 'self-dependency.yaml', exit: 1, line: 4, message: 'dependency cycle detected: a -> a' },
  { file: 'unterminated-interpolation.yaml', exit: 15, line: 3, message: 'invalid interpolation format for services.web.image' },
  { file: 'invalid-interpolation-syntax.yaml', exit: 15, line: 3, message: 'invalid interpolation format for services.web.image' },
  {
    file: 'required-variable-unset.yaml', exit: 15, line: 3,
    message: 'required variable FLOTILLA_TEST_TAG is missing a value: set the image tag',
  },
  { file: 'duplicate-key.yaml', exit: 15, line: 4, message: 'mapping key "image" already defined at line 3' },
  { file: 'duplicate-service.yaml', exit: 15, line: 4, message: 'mapping key "web" already defined at line 2' },
  { file: 'yaml-syntax-tab.yaml', exit: 15, line: 3, message: 'Tabs are not allowed' },
  { file: 'yaml-syntax-unclosed-quote.yaml', exit: 15, line: 4, message: 'Missing closing "quote' },
  { file: 'yaml-syntax-bad-indent.yaml', exit: 15, line: 4, message: 'All mapping items must start at the same column' },
  { file: 'alias-bomb.yaml', exit: 15, line: 5, message: 'excessive aliasing' },
  { file: 'missing-env-file.yaml', exit: 14, where: 'services.web.env_file', message: 'does-not-exist.env not found' },
  { file: 'include-cycle.yaml', exit: 1, line: 2, message: 'include cycle detected' },
  { file: 'extends-unknown-service.yaml', exit: 15, line: 3, message: 'cannot extend service "web"' },
  { file: 'extends-cycle.yaml', exit: 1, line: 4, message: 'Circular reference' },
  { file: 'extends-missing-file.yaml', exit: 14, line: 4, message: 'nowhere.yaml: no such file or directory' },
  {
    file: 'invalid-project-name.yaml', exit: 1, where: '"My Project"', args: ['-p', 'My Project'],
    message: 'invalid project name "My Project": must consist only of lowercase alphanumeric characters',
  },
  {
    file: 'invalid-project-name-env.yaml', exit: 1, where: '"_web"', env: { COMPOSE_PROJECT_NAME: '_web' },
    message: 'invalid project name "_web"',
  },
  { file: 'container-name-scale.yaml', exit: 1, line: 4, message: "services.web: can't set container_name and scale" },
  { file: 'container-name-replicas.yaml', exit: 1, line: 4, message: "can't set container_name and deploy.replicas" },
  { file: 'scale-replicas-conflict.yaml', exit: 1, line: 4, message: "can't set distinct values on 'scale' and 'deploy.replicas'" },
  { file: 'network-mode-and-networks.yaml', exit: 1, line: 4, message: 'declares mutually exclusive `network_mode` and `networks`' },
  { file: 'no-image-no-build.yaml', exit: 1, line: 3, message: 'service "web" has neither an image nor a build context' },
  { file: 'bad-duration.yaml', exit: 15, line: 4, message: 'services.web.stop_grace_period: time: unknown unit' },
  { file: 'bad-size.yaml', exit: 15, line: 4, message: "services.web.mem_limit: invalid size: 'lots'" },
  { file: 'bad-healthcheck-test.yaml', exit: 1, line: 5, message: 'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"' },
  { file: 'bad-restart-type.yaml', exit: 15, line: 4, message: 'services.web.restart must be a string' },
  { file: 'bad-depends-on-condition.yaml', exit: 15, line: 6, message: 'services.web.depends_on.db.condition value must be one of' },
  { file: 'bad-volume-spec.yaml', exit: 15, line: 5, message: 'invalid spec: /a:/b:/c:ro: too many colons' },
  { file: 'bad-volume-options.yaml', exit: 15, line: 7, message: 'too many colons' },
  { file: 'environment-trailing-space.yaml', exit: 15, line: 5, message: 'environment variable DEBUG  is declared with a trailing space' },
  { file: 'bad-environment-value.yaml', exit: 15, line: 5, message: 'services.web.environment.FOO must be a boolean, null, number or string' },
  { file: 'empty-file.yaml', exit: 15, line: 1, message: 'empty compose file' },
  { file: 'secret-without-source.yaml', exit: 1, line: 7, message: 'secret "token" must declare either `file` or `environment`' },
  { file: 'duplicate-mount-target.yaml', exit: 1, line: 6, message: 'target /data already mounted as services.web.tmpfs[0]' },
  { file: 'bad-ulimit.yaml', exit: 15, line: 6, message: 'services.web.ulimits.nofile.soft' },
  { file: 'profile-disabled-dependency.yaml', exit: 1, line: 4, message: 'service "web" depends on undefined service "debug"' },
  { file: 'does-not-exist.yaml', exit: 14, where: 'does-not-exist.yaml', message: 'no such file or directory' },
];

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COMPOSE_')));
  return spawnSync(process.execPath, [cli, ...args], { cwd: bad, env: { ...clean, ...env }, encoding: 'utf8' });
}

beforeAll(() => {
  // built by the suite's global setup (bundle-setup.ts)
  if (!existsSync(cli)) throw new Error(`the CLI was not built: ${cli} missing (npm run build)`);
});

describe('flotilla config on broken files', () => {
  it('has at least 45 broken files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45);
  });

  for (const c of cases) {
    it(`${c.file}: exit ${c.exit}, ${c.message}`, () => {
      const result = run([...(c.args ?? []), 'config', '-f', c.file], c.env);
      expect(result.status, result.stderr).toBe(c.exit);
      expect(result.stdout).toBe('');
      const lines = result.stderr.split('\n').filter((l) => l !== '');
      expect(lines, result.stderr).toHaveLength(1);
      const line = lines[0] as string;
      expect(line).toContain(c.message);
      if (c.line !== undefined) expect(line).toMatch(new RegExp(`${c.file.replace(/\./g, '\\.')}:${c.line}:\\d+: `));
      if (c.where !== undefined) expect(line).toContain(c.where);
      expect(line).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain('    at ');
    });
  }

  it('--verbose adds the stack trace', () => {
    const result = run(['--verbose', 'config', '-f', 'undefined-network.yaml']);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toContain('service "web" refers to undefined network backend');
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});
