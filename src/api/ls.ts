/** `ls`: every Compose project on the engine, found from its containers' labels (no compose file needed). */
import type { ContainerSummary } from '../engine/types.js';
import { Label } from '../reconcile/labels.js';
import type { ProjectOptions } from './options.js';
import { withSession } from './session.js';

/** Options of `ls`: stopped projects too, and a name filter. */
export interface ListProjectsOptions extends Pick<ProjectOptions, 'engine' | 'parallel' | 'env' | 'signal'> {
  /** Include projects whose containers are all stopped (`-a`); otherwise only running containers count. */
  all?: boolean;
  /** Only projects whose name contains this (`--filter name=`). */
  nameFilter?: string;
}

/** One project as `ls` shows it: name, status such as `running(2), exited(1)`, config files. */
export interface ProjectSummary {
  name: string;
  /** `running(2), exited(1)`: container count per state, states sorted by name. */
  status: string;
  /** Compose files of the project, comma-separated, from the containers' labels. */
  configFiles: string;
}

/** Every compose project on the engine with its status and config files (`ls`). */
export async function listProjects(options: ListProjectsOptions = {}): Promise<ProjectSummary[]> {
  return withSession(options, async (session) => {
    const containers = await session.engine.listContainers({ all: options.all ?? false, labels: { [Label.project]: true } });
    return summarizeProjects(containers, options.all ? undefined : ['running'])
      .filter((p) => options.nameFilter === undefined || p.name.includes(options.nameFilter));
  });
}

/** Groups containers by project (pure). `states`: only containers in these states are counted. */
export function summarizeProjects(containers: ContainerSummary[], states?: string[]): ProjectSummary[] {
  const byProject = new Map<string, { counts: Map<string, number>; files: Set<string> }>();
  for (const c of containers) {
    if (states && !states.includes(c.state)) continue;
    const name = c.labels[Label.project];
    if (!name) continue;
    let entry = byProject.get(name);
    if (!entry) byProject.set(name, (entry = { counts: new Map(), files: new Set() }));
    entry.counts.set(c.state, (entry.counts.get(c.state) ?? 0) + 1);
    const files = c.labels[Label.configFiles];
    if (files) for (const file of files.split(',')) entry.files.add(file);
  }
  return [...byProject.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { counts, files }]) => ({
      name,
      status: [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}(${n})`).join(', '),
      configFiles: [...files].join(','),
    }));
}
