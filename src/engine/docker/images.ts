/**
 * Images over the Docker API: list, inspect, pull, push, build, tag and remove. Pull, push and build answer with a
 * progress stream whose errors arrive inside it, not as an HTTP status; they are typed like the HTTP ones here.
 */
import type { Readable } from 'node:stream';
import { EngineError } from '../errors.js';
import type { BuildOptions, ImageDetails, ImageSummary, LabelFilter, PullOptions } from '../types.js';
import { imageDetails, imageSummary } from './convert.js';
import { filtersParam, labelFilterValues } from './filters.js';
import { BuildProgress, TransferProgress, type JsonMessage } from './progress.js';
import { registryAuthBody, registryConfigBody, splitReference, withDefaultTag } from './references.js';
import { guarded, jsonLines } from './streams.js';
import type { CallOptions, DockerTransport, Json } from './transport.js';

export async function listImages(
  api: DockerTransport,
  options: { labels?: LabelFilter; references?: string[] } = {},
): Promise<ImageSummary[]> {
  const filters = filtersParam({ label: labelFilterValues(options.labels), reference: options.references ?? [] });
  const list = await api.json<Json[]>({
    method: 'GET',
    path: '/images/json',
    query: { filters },
    what: 'list images',
  });
  return list.map(imageSummary);
}

export async function inspectImage(api: DockerTransport, ref: string): Promise<ImageDetails> {
  const i = await api.json<Json>({
    method: 'GET',
    path: `/images/${ref}/json`,
    what: `inspect image ${ref}`,
    subject: { kind: 'image', ref },
  });
  return imageDetails(i);
}

export async function pullImage(api: DockerTransport, ref: string, options: PullOptions = {}): Promise<void> {
  await transferImage(api, ref, options, {
    method: 'POST',
    path: '/images/create',
    // A reference without a tag would pull every tag of the repository.
    query: { fromImage: withDefaultTag(ref), platform: options.platform },
    auth: options.auth ? registryAuthBody(options.auth) : undefined,
    signal: options.signal,
    what: `pull ${ref}`,
    subject: { kind: 'image', ref },
  });
}

export async function pushImage(
  api: DockerTransport,
  ref: string,
  options: PullOptions = {},
): Promise<{ digest?: string }> {
  const { repository, tag } = splitReference(ref);
  const digest = await transferImage(api, ref, options, {
    method: 'POST',
    path: `/images/${repository}/push`,
    query: { tag },
    // The daemon insists on the header, even for a registry without auth.
    auth: registryAuthBody(options.auth ?? {}),
    signal: options.signal,
    what: `push ${ref}`,
    subject: { kind: 'image', ref },
  });
  return digest ? { digest } : {};
}

/** A pull or a push: the call, its progress reported to the caller, and the digest the registry gave. */
async function transferImage(
  api: DockerTransport,
  ref: string,
  options: PullOptions,
  call: CallOptions,
): Promise<string | undefined> {
  const stream = await api.stream(call);
  const progress = new TransferProgress((e) => options.onProgress?.(e));
  await readProgress(api, stream, options.signal, call.what, (m) => progress.read(m));
  if (progress.error) throw streamError(api, progress.error, call.what, ref);
  options.onProgress?.({ kind: 'done', ...(progress.digest ? { digest: progress.digest } : {}) });
  return progress.digest;
}

export async function buildImage(
  api: DockerTransport,
  context: Readable,
  options: BuildOptions,
): Promise<{ imageId: string }> {
  const what = `build ${options.tags[0] ?? 'image'}`;
  const stream = await api.stream({
    method: 'POST',
    path: '/build',
    query: {
      t: options.tags,
      dockerfile: options.dockerfile,
      buildargs: options.buildArgs ? JSON.stringify(options.buildArgs) : undefined,
      target: options.target,
      labels: options.labels ? JSON.stringify(options.labels) : undefined,
      nocache: options.noCache,
      pull: options.pull,
      cachefrom: options.cacheFrom ? JSON.stringify(options.cacheFrom) : undefined,
      networkmode: options.network,
      shmsize: options.shmSizeBytes,
      extrahosts: options.extraHosts?.join(','),
      platform: options.platform,
      rm: true,
      forcerm: true,
      // The classic builder: BuildKit over the API needs a session this client does not open.
      version: '1',
    },
    file: context,
    registryConfig: options.auth ? registryConfigBody(options.auth) : undefined,
    signal: options.signal,
    what,
  });
  const progress = new BuildProgress((e) => options.onProgress?.(e));
  await readProgress(api, stream, options.signal, what, (m) => progress.read(m));
  if (progress.error) throw streamError(api, progress.error, what, options.tags[0] ?? '');
  progress.end();
  if (!progress.imageId) throw new EngineError(`${what}: the build ended without an image`);
  // The classic builder reports a short id; the full one is asked for.
  const imageId = progress.imageId.startsWith('sha256:')
    ? progress.imageId
    : (await inspectImage(api, progress.imageId)).id;
  return { imageId };
}

export async function tagImage(api: DockerTransport, source: string, target: string): Promise<void> {
  const { repository, tag } = splitReference(target);
  await api.json({
    method: 'POST',
    path: `/images/${source}/tag`,
    query: { repo: repository, tag },
    ok: [201, 200],
    what: `tag ${source} as ${target}`,
    subject: { kind: 'image', ref: source },
  });
}

export async function removeImage(
  api: DockerTransport,
  ref: string,
  options: { force?: boolean; noPrune?: boolean } = {},
): Promise<void> {
  await api.json({
    method: 'DELETE',
    path: `/images/${ref}`,
    query: { force: options.force, noprune: options.noPrune },
    ok: [200],
    what: `remove image ${ref}`,
    subject: { kind: 'image', ref },
  });
}

async function readProgress(
  api: DockerTransport,
  stream: Readable,
  signal: AbortSignal | undefined,
  what: string,
  onMessage: (m: JsonMessage) => void,
): Promise<void> {
  for await (const message of guarded(jsonLines<JsonMessage>(stream), signal, (err) => api.mapError(err, what))) {
    onMessage(message);
  }
  signal?.throwIfAborted();
}

/** An error reported inside a progress stream, typed like the HTTP ones. */
function streamError(api: DockerTransport, message: string, what: string, ref: string): Error {
  const status = /unauthorized|authentication required|denied|no basic auth credentials/i.test(message)
    ? 401
    : /not found|manifest unknown|no such image/i.test(message)
      ? 404
      : 500;
  const raw = Object.assign(new Error(message), { statusCode: status, json: { message } });
  return api.mapError(raw, what, { kind: 'image', ref });
}
