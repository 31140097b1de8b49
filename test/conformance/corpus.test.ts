/**
 * Every compose file of ../shared/corpus loads, and what `config` prints for it (YAML and JSON) loads again
 * into the same model.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProjectSync, type LoadOptions } from '../../src/model/load.js';
import { renderProject } from '../../src/model/config-output.js';
import type { Project } from '../../src/model/types.js';
import { parseComposeYaml } from '../../src/model/yaml.js';
import { extractVariables } from '../../src/model/template.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = resolve(projectRoot, '../shared/corpus');

function composeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...composeFiles(path));
    else if (/^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/**
 * The samples expect their README's variables to be set (docker compose fails the same way without them):
 * every variable referenced without a default gets a path-like placeholder.
 */
function sampleVariables(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const document of parseComposeYaml(readFileSync(file, 'utf8'), file)) {
    for (const variable of extractVariables(document.value).values()) {
      if (variable.defaultValue === undefined) env[variable.name] = `/srv/${variable.name.toLowerCase()}`;
    }
  }
  return env;
}

/** The parts of a project that `config` prints (the rest describes how it was loaded). */
function printed(project: Project): Partial<Project> {
  const { compose_files: _files, disabled_services: _disabled, environment: _env, ...rest } = project;
  return rest;
}

for (const collection of readdirSync(corpus).filter((d) => statSync(join(corpus, d)).isDirectory())) {
  describe(`corpus/${collection}`, () => {
    for (const file of composeFiles(join(corpus, collection))) {
      const name = file.slice(corpus.length + 1);
      it(name, () => {
        const options: LoadOptions = { files: [file], cwd: dirname(file), environment: sampleVariables(file), warnings: () => {} };
        const project = loadProjectSync(options);
        expect(Object.keys(project.services).length).toBeGreaterThan(0);
        for (const format of ['yaml', 'json'] as const) {
          const again = loadProjectSync({
            ...options,
            files: ['-'],
            stdin: renderProject(project, format),
            projectDirectory: project.working_dir,
            projectName: project.name,
          });
          expect(printed(again), `${format} output loads into the same model`).toEqual(printed(project));
        }
      });
    }
  });
}
