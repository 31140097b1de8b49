/** Volumes over the Docker API: list, inspect, create and remove. */
import type { LabelFilter, VolumeSpec, VolumeSummary } from '../types.js';
import { volumeSummary } from './convert.js';
import { filtersParam, labelFilterValues, matchesLabels } from './filters.js';
import { pathSegment, type DockerTransport, type Json } from './transport.js';

export async function listVolumes(
  api: DockerTransport,
  options: { labels?: LabelFilter; names?: string[] } = {},
): Promise<VolumeSummary[]> {
  const filters = filtersParam({ label: labelFilterValues(options.labels), name: options.names ?? [] });
  const result = await api.json<Json>({
    method: 'GET',
    path: '/volumes',
    query: { filters },
    what: 'list volumes',
  });
  // As with networks, the daemon's name filter matches substrings; names are exact here.
  return ((result.Volumes ?? []) as Json[])
    .map(volumeSummary)
    .filter((v) => (!options.names || options.names.includes(v.name)) && matchesLabels(v.labels, options.labels));
}

export async function inspectVolume(api: DockerTransport, name: string): Promise<VolumeSummary> {
  const v = await api.json<Json>({
    method: 'GET',
    path: `/volumes/${pathSegment(name)}`,
    what: `inspect volume ${name}`,
    subject: { kind: 'volume', ref: name },
  });
  return volumeSummary(v);
}

export async function createVolume(api: DockerTransport, spec: VolumeSpec): Promise<VolumeSummary> {
  const v = await api.json<Json>({
    method: 'POST',
    path: '/volumes/create',
    body: {
      Name: spec.name,
      Driver: spec.driver ?? 'local',
      DriverOpts: spec.driverOpts ?? {},
      Labels: spec.labels ?? {},
    },
    ok: [201, 200],
    what: `create volume ${spec.name}`,
    subject: { kind: 'volume', ref: spec.name },
  });
  return volumeSummary(v);
}

export async function removeVolume(api: DockerTransport, name: string, force = false): Promise<void> {
  await api.json({
    method: 'DELETE',
    path: `/volumes/${pathSegment(name)}`,
    query: { force },
    ok: [204],
    what: `remove volume ${name}`,
    subject: { kind: 'volume', ref: name },
  });
}
