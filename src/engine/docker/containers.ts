/**
 * Container lifecycle over the Docker API: list, inspect, create, start, stop, restart, kill, remove, rename,
 * pause and wait. Each operation is one call except where the daemon needs help (see createContainer and
 * stopContainer).
 */
import { EngineError } from '../errors.js';
import type {
  ContainerDetails,
  ContainerListOptions,
  ContainerSpec,
  ContainerSummary,
  RemoveOptions,
  StopOptions,
  WaitCondition,
} from '../types.js';
import { createBody } from './container-spec.js';
import { containerDetails, containerSummary } from './convert.js';
import { escapeRegExp, filtersParam, labelFilterValues, matchesLabels } from './filters.js';
import { connectNetwork } from './networks.js';
import { pathSegment, type DockerTransport, type Json } from './transport.js';

/** The daemon's API version ("1.41"), asked once per engine. */
export type ApiVersionSource = () => Promise<string>;

export async function listContainers(
  api: DockerTransport,
  options: ContainerListOptions = {},
): Promise<ContainerSummary[]> {
  const filters = filtersParam({
    label: labelFilterValues(options.labels),
    name: (options.names ?? []).map((n) => `^/${escapeRegExp(n)}$`),
    id: options.ids ?? [],
  });
  const list = await api.json<Json[]>({
    method: 'GET',
    path: '/containers/json',
    query: { all: options.all ?? true, filters },
    what: 'list containers',
  });
  return list
    .map(containerSummary)
    .filter(
      (c) =>
        (!options.names || options.names.includes(c.name)) &&
        (!options.ids || options.ids.some((id) => c.id.startsWith(id))) &&
        matchesLabels(c.labels, options.labels),
    );
}

export async function inspectContainer(api: DockerTransport, idOrName: string): Promise<ContainerDetails> {
  return containerDetails(await inspectContainerRaw(api, idOrName));
}

/** The daemon's own answer, for callers that need a field the neutral details do not carry (the tty flag). */
export function inspectContainerRaw(api: DockerTransport, idOrName: string): Promise<Json> {
  return api.json<Json>({
    method: 'GET',
    path: `/containers/${pathSegment(idOrName)}/json`,
    what: `inspect container ${idOrName}`,
    subject: { kind: 'container', ref: idOrName },
  });
}

/**
 * Creates the container attached to its first network, then connects the others, so the caller gets a
 * container that is ready to start. If a connect fails the container is removed again.
 */
export async function createContainer(
  api: DockerTransport,
  spec: ContainerSpec,
): Promise<{ id: string; warnings: string[] }> {
  const { body, laterNetworks } = createBody(spec);
  const created = await api.json<Json>({
    method: 'POST',
    path: '/containers/create',
    query: { name: spec.name, platform: spec.platform },
    body,
    ok: [201],
    what: `create container ${spec.name}`,
    subject: { kind: 'container', ref: spec.name },
  });
  const id = String(created.Id);
  try {
    for (const network of laterNetworks) {
      await connectNetwork(api, network.network, id, network);
    }
  } catch (err) {
    await removeContainer(api, id, { force: true }).catch(() => undefined);
    throw err;
  }
  return { id, warnings: (created.Warnings ?? []) as string[] };
}

export async function startContainer(api: DockerTransport, id: string): Promise<void> {
  await containerAction(api, id, 'start', 'start', {}, [204, 304]);
}

export async function stopContainer(
  api: DockerTransport,
  apiVersion: ApiVersionSource,
  id: string,
  options: StopOptions = {},
): Promise<void> {
  if (options.signal && !(await supportsStopSignal(apiVersion))) {
    await stopWithSignal(api, id, options.signal, options.timeoutSec);
    return;
  }
  await containerAction(api, id, 'stop', 'stop', { t: options.timeoutSec, signal: options.signal }, [204, 304]);
}

/** `signal` on stop came with API 1.42; older daemons get kill, a bounded wait, then a stop for the rest. */
async function supportsStopSignal(apiVersion: ApiVersionSource): Promise<boolean> {
  const [major, minor] = (await apiVersion()).split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 42);
}

async function stopWithSignal(
  api: DockerTransport,
  id: string,
  signal: string,
  timeoutSec: number | undefined,
): Promise<void> {
  try {
    await killContainer(api, id, signal);
  } catch (err) {
    if ((err as Error).name !== 'ConflictError') throw err; // not running: nothing to signal
  }
  const limit = AbortSignal.timeout(Math.max(0, timeoutSec ?? 10) * 1000);
  await waitContainer(api, id, 'not-running', limit).catch(() => undefined);
  // Marks the container as stopped on purpose (so restart policies leave it) and kills what is left.
  await containerAction(api, id, 'stop', 'stop', { t: 0 }, [204, 304]);
}

export async function restartContainer(
  api: DockerTransport,
  apiVersion: ApiVersionSource,
  id: string,
  options: StopOptions = {},
): Promise<void> {
  if (options.signal) {
    await stopContainer(api, apiVersion, id, options);
    await startContainer(api, id);
    return;
  }
  await containerAction(api, id, 'restart', 'restart', { t: options.timeoutSec }, [204]);
}

export async function killContainer(api: DockerTransport, id: string, signal?: string): Promise<void> {
  await containerAction(api, id, 'kill', 'kill', { signal }, [204]);
}

export async function removeContainer(api: DockerTransport, id: string, options: RemoveOptions = {}): Promise<void> {
  await api.json({
    method: 'DELETE',
    path: `/containers/${pathSegment(id)}`,
    query: { force: options.force, v: options.volumes },
    ok: [204],
    what: `remove container ${id}`,
    subject: { kind: 'container', ref: id },
  });
}

export async function renameContainer(api: DockerTransport, id: string, newName: string): Promise<void> {
  await containerAction(api, id, 'rename', `rename to ${newName}`, { name: newName }, [204]);
}

export async function pauseContainer(api: DockerTransport, id: string): Promise<void> {
  await containerAction(api, id, 'pause', 'pause', {}, [204]);
}

export async function unpauseContainer(api: DockerTransport, id: string): Promise<void> {
  await containerAction(api, id, 'unpause', 'unpause', {}, [204]);
}

async function containerAction(
  api: DockerTransport,
  id: string,
  action: string,
  verb: string,
  query: Record<string, string | number | undefined>,
  ok: number[],
): Promise<void> {
  await api.json({
    method: 'POST',
    path: `/containers/${pathSegment(id)}/${action}`,
    query,
    ok,
    what: `${verb} container ${id}`,
    subject: { kind: 'container', ref: id },
  });
}

export async function waitContainer(
  api: DockerTransport,
  id: string,
  condition: WaitCondition = 'not-running',
  signal?: AbortSignal,
): Promise<{ exitCode: number }> {
  const result = await api.json<Json>({
    method: 'POST',
    path: `/containers/${pathSegment(id)}/wait`,
    query: { condition },
    signal,
    what: `wait for container ${id}`,
    subject: { kind: 'container', ref: id },
  });
  if (result.Error?.Message) throw new EngineError(`wait for container ${id}: ${result.Error.Message}`);
  return { exitCode: Number(result.StatusCode ?? 0) };
}
