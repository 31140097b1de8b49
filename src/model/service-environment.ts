/**
 * The environment a service's containers get: the `env_file` files in order (later ones win), then
 * `environment`, whose entries without a value take the project variable of that name when there is one.
 * Values in env files interpolate from the project variables first, then from the service's `environment`.
 * Label files are read the same way into `labels`.
 */
import { existsSync } from 'node:fs';
import { FileNotFoundError } from '../errors.js';
import { newEnvVars, readEnvFile, type EnvVars } from './dotenv.js';
import { goJoin } from './go-path.js';
import type { Project, Service } from './types.js';

export interface ResolveEnvironmentOptions {
  discardEnvFiles: boolean;
  cwd: string;
}

export function resolveServicesEnvironment(project: Project, options: ResolveEnvironmentOptions): void {
  const projectEnv = project.environment;
  const fromProject = (key: string): string | undefined => (Object.hasOwn(projectEnv, key) ? projectEnv[key] : undefined);
  for (const service of Object.values(project.services)) {
    const declared: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(service.environment)) declared[key] = value ?? fromProject(key) ?? null;

    const fromFiles = newEnvVars();
    for (const envFile of service.env_file ?? []) {
      const path = goJoin(options.cwd, envFile.path);
      if (!existsSync(path)) {
        if (envFile.required) {
          throw new FileNotFoundError(`services.${service.name}.env_file: env file ${path} not found`, {
            hint: 'create it, fix the path, or mark it `required: false`',
          });
        }
        continue;
      }
      const lookup = (key: string): string | undefined => {
        const v = fromProject(key);
        if (v !== undefined) return v;
        const d = declared[key];
        return d === null || d === undefined ? undefined : d;
      };
      const vars = readEnvFile(path, lookup, { format: envFile.format === 'raw' ? 'raw' : 'dotenv' });
      Object.assign(fromFiles, vars);
    }
    service.environment = { ...plain(fromFiles), ...declared };
    if (options.discardEnvFiles) delete service.env_file;
    resolveLabelFiles(service, options.cwd);
  }
}

function resolveLabelFiles(service: Service, cwd: string): void {
  if (!service.label_file || service.label_file.length === 0) return;
  const labels: EnvVars = newEnvVars();
  for (const file of service.label_file) {
    const lookup = (key: string) => (Object.hasOwn(labels, key) ? labels[key] : undefined);
    Object.assign(labels, readEnvFile(goJoin(cwd, file), lookup));
  }
  service.labels = { ...plain(labels), ...(service.labels ?? {}) };
}

function plain(vars: EnvVars): Record<string, string> {
  return Object.assign({}, vars);
}

