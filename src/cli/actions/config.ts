/**
 * `flotilla config`: loads the project like every command does and prints it in canonical form, or one of
 * its listings (--services, --images, --hash ...).
 */
import { writeFileSync } from 'node:fs';
import { FlotillaError } from '../../errors.js';
import type { GlobalOptions } from '../options.js';
import type { ConfigCommandOptions } from '../commands/config.js';
import type { LoadOptions } from '../../model/load.js';
import type { Project } from '../../model/types.js';

type Options = GlobalOptions & ConfigCommandOptions;

export async function runConfig(services: string[], options: Options): Promise<void> {
  const { loadProjectSync } = await import('../../model/load.js');
  const loadOptions: LoadOptions = {
    files: options.file.length > 0 ? options.file : undefined,
    projectName: options.projectName,
    projectDirectory: options.projectDirectory,
    envFiles: options.envFile.length > 0 ? options.envFile : undefined,
    profiles: options.profile.length > 0 ? options.profile : undefined,
    services: services.length > 0 ? services : undefined,
    skipInterpolation: !options.interpolate,
    skipNormalization: !options.normalize,
    skipPathResolution: !options.pathResolution,
    skipConsistency: !options.consistency,
    skipEnvResolution: !options.envResolution,
    warnings: (message) => process.stderr.write(`WARN ${message}\n`),
  };

  if (options.variables) {
    const { listVariables } = await import('./config-variables.js');
    return emit(await listVariables(loadOptions, options.format), options);
  }

  let project = loadProjectSync(loadOptions);
  if (services.length > 0) project = onlyServices(project, services);
  if (options.quiet) return;
  if (options.hash !== undefined) {
    const { serviceConfigHash } = await import('../../model/hash.js');
    const wanted = options.hash === '*' ? Object.keys(project.services).sort() : options.hash.split(',').map((s) => s.trim());
    const lines = wanted.map((name) => {
      const service = project.services[name];
      if (!service) throw new FlotillaError(`no such service: ${name}`);
      return `${name} ${serviceConfigHash(service)}`;
    });
    return emit(lines.join('\n') + '\n', options);
  }
  const listing = listingOf(project, options);
  if (listing !== undefined) return emit(listing.length > 0 ? listing.join('\n') + '\n' : '', options);
  if (options.environment) {
    const lines = Object.keys(project.environment).sort().map((k) => `${k}=${project.environment[k]}`);
    return emit(lines.join('\n') + '\n', options);
  }
  const { renderProject } = await import('../../model/config-output.js');
  emit(renderProject(project, options.format), options);
}

function listingOf(project: Project, options: Options): string[] | undefined {
  if (options.services) return Object.keys(project.services).sort();
  if (options.volumes) return Object.keys(project.volumes).sort();
  if (options.networks) return Object.keys(project.networks).sort();
  if (options.models) return Object.keys(project.models ?? {}).sort();
  if (options.profiles) {
    const all = [...Object.values(project.services), ...Object.values(project.disabled_services)];
    return [...new Set(all.flatMap((s) => s.profiles ?? []))].sort();
  }
  if (options.images) {
    return Object.keys(project.services)
      .sort()
      .map((name) => project.services[name]?.image ?? `${project.name}-${name}`);
  }
  return undefined;
}

/** The named services and, transitively, those they depend on. */
function onlyServices(project: Project, names: string[]): Project {
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name) || !project.services[name]) return;
    keep.add(name);
    for (const dependency of Object.keys(project.services[name]?.depends_on ?? {})) visit(dependency);
  };
  for (const name of names) {
    if (!project.services[name]) throw new FlotillaError(`no such service: ${name}`);
    visit(name);
  }
  const services = Object.fromEntries(Object.entries(project.services).filter(([n]) => keep.has(n)));
  return { ...project, services };
}

function emit(text: string, options: Options): void {
  if (options.output) writeFileSync(options.output, text);
  else process.stdout.write(text);
}
