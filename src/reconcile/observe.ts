/**
 * What runs on the engine for one project, as plain data: the reconciler's second input. Containers, networks and
 * volumes are found by the project label; declared networks and volumes are also looked up by name (external
 * ones, and ones another tool created), since they carry no label of ours.
 */
import type { Engine, ContainerSummary, NetworkSummary, VolumeSummary } from '../engine/types.js';
import { NotFoundError } from '../engine/errors.js';
import type { Project } from '../model/types.js';
import { Label } from './labels.js';
import { serviceImageName } from './names.js';

export interface ObservedState {
  project: string;
  /** Every container with the project label, one-offs included, sorted by name. */
  containers: ContainerSummary[];
  /** Networks with the project label, plus declared networks found by name. Sorted by name. */
  networks: NetworkSummary[];
  volumes: VolumeSummary[];
  /** Image reference → local image id ("sha256:…"); a reference absent here is not present locally. */
  imageIds: Record<string, string>;
  /** Image reference → the paths its config declares as VOLUME (anonymous volumes carried over on recreate). */
  imageVolumes: Record<string, string[]>;
}

/** An ObservedState with nothing in it: a project never deployed. */
export function emptyObservedState(project: string): ObservedState {
  return { project, containers: [], networks: [], volumes: [], imageIds: {}, imageVolumes: {} };
}

/**
 * Lists the project's objects: one list call per kind (containers by label; networks and volumes unfiltered, then
 * kept when labelled or declared), plus one image inspect per image the project's services use. With only a
 * project name (stop/down without a file), declared names and images are unknown and only labels count.
 */
export async function observeProject(engine: Engine, project: Project | string): Promise<ObservedState> {
  const name = typeof project === 'string' ? project : project.name;
  const declaredNetworks = new Set(typeof project === 'string' ? [] : Object.values(project.networks).map((n) => n.name));
  const declaredVolumes = new Set(typeof project === 'string' ? [] : Object.values(project.volumes).map((v) => v.name));
  const images = typeof project === 'string' ? [] : projectImages(project);

  const [containers, networks, volumes, imageInfo] = await Promise.all([
    engine.listContainers({ all: true, labels: { [Label.project]: name } }),
    engine.listNetworks(),
    engine.listVolumes(),
    Promise.all(images.map((ref) => inspectLocalImage(engine, ref))),
  ]);

  const imageIds: Record<string, string> = {};
  const imageVolumes: Record<string, string[]> = {};
  images.forEach((ref, i) => {
    const info = imageInfo[i];
    if (!info) return;
    imageIds[ref] = info.id;
    if (info.volumes.length > 0) imageVolumes[ref] = info.volumes;
  });

  return {
    project: name,
    containers: [...containers].sort(byName),
    networks: networks.filter((n) => n.labels[Label.project] === name || declaredNetworks.has(n.name)).sort(byName),
    volumes: volumes.filter((v) => v.labels[Label.project] === name || declaredVolumes.has(v.name)).sort(byName),
    imageIds,
    imageVolumes,
  };
}

/** The distinct image references of the project's services, sorted. */
export function projectImages(project: Project): string[] {
  return [...new Set(Object.values(project.services).map((s) => serviceImageName(project, s)))].sort();
}

async function inspectLocalImage(engine: Engine, ref: string): Promise<{ id: string; volumes: string[] } | undefined> {
  try {
    const details = await engine.inspectImage(ref);
    return { id: details.id, volumes: [...(details.config.volumes ?? [])].sort() };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
