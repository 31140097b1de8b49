/**
 * `flotilla image load|import|ls`. The embedded engine loads and imports into its own store; on Docker, load and
 * import are the daemon's own endpoints (POST /images/load, POST /images/create?fromSrc=-) fed the archive.
 */
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidRequestError, UnsupportedError } from '../../engine/errors.js';
import type { Engine } from '../../engine/types.js';
import type { GlobalOptions } from '../options.js';
import { humanSize, renderTable } from './output.js';

interface EmbeddedImages {
  loadImageArchive(source: string | Readable): Promise<string[]>;
  importImage(source: string | Readable, options: { tag?: string; cmd?: string[]; entrypoint?: string[]; env?: string[]; workingDir?: string; labels?: Record<string, string> }): Promise<string>;
  listImages: Engine['listImages'];
}

async function withEngine<T>(flags: GlobalOptions, work: (engine: Engine) => Promise<T>): Promise<T> {
  const { createEngine } = await import('../../engine/select.js');
  const engine = await createEngine({ engine: flags.engine });
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

/** The archive to read; a missing file is said as such before any engine call. */
function input(path: string): Readable {
  if (path === '-') return process.stdin;
  if (!existsSync(path)) throw new InvalidRequestError(`${path}: no such file`);
  return createReadStream(path);
}

/** Sends an archive to a Docker endpoint and returns the lines of its JSON progress stream that say something. */
async function dockerUpload(path: string, query: Record<string, string>, what: string, archive: Readable): Promise<string[]> {
  const { DockerTransport } = await import('../../engine/docker/transport.js');
  const { resolveDockerEndpoint } = await import('../../engine/docker/endpoint.js');
  const api = new DockerTransport(resolveDockerEndpoint());
  const response = await api.stream({ method: 'POST', path, query, file: archive, contentType: 'application/x-tar', what });
  let text = '';
  for await (const chunk of response) text += String(chunk);
  const lines: string[] = [];
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const message = JSON.parse(line) as { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } };
    const error = message.errorDetail?.message ?? message.error;
    if (error) throw new InvalidRequestError(`${what}: ${error}`);
    const said = (message.stream ?? message.status ?? '').trim();
    if (said) lines.push(said);
  }
  return lines;
}

export async function runImageLoad(flags: GlobalOptions & { input: string; quiet?: boolean }): Promise<void> {
  await withEngine(flags, async (engine) => {
    let lines: string[];
    if (engine.kind === 'embedded') {
      const embedded = engine as unknown as EmbeddedImages;
      const ids = await embedded.loadImageArchive(input(flags.input));
      const images = await embedded.listImages();
      lines = ids.map((id) => {
        const tags = images.find((i) => i.id === id)?.repoTags ?? [];
        return tags.length ? tags.map((t) => `Loaded image: ${t}`).join('\n') : `Loaded image ID: ${id}`;
      });
    } else {
      lines = await dockerUpload('/images/load', {}, `load ${flags.input}`, input(flags.input));
    }
    if (!flags.quiet) process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  });
}

/** `--change` instructions docker import accepts, as far as an imported image can carry them. */
export function importChanges(changes: string[]): { cmd?: string[]; entrypoint?: string[]; env?: string[]; workingDir?: string; labels?: Record<string, string> } {
  const out: ReturnType<typeof importChanges> = {};
  const command = (text: string) => (text.startsWith('[') ? (JSON.parse(text) as string[]) : ['/bin/sh', '-c', text]);
  const pairs = (text: string) => text.split(/\s+/).filter(Boolean).map((p) => p.split('=') as [string, string?]);
  for (const change of changes) {
    const m = /^\s*(\w+)\s+(.*)$/s.exec(change);
    if (!m) throw new InvalidRequestError(`invalid --change "${change}"`);
    const [, keyword, rest] = m as unknown as [string, string, string];
    switch (keyword.toUpperCase()) {
      case 'CMD': out.cmd = command(rest.trim()); break;
      case 'ENTRYPOINT': out.entrypoint = command(rest.trim()); break;
      case 'WORKDIR': out.workingDir = rest.trim(); break;
      case 'ENV':
        out.env = [...(out.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']), ...pairs(rest).map(([k, v]) => `${k}=${v ?? ''}`)];
        break;
      case 'LABEL':
        out.labels = { ...(out.labels ?? {}), ...Object.fromEntries(pairs(rest).map(([k, v]) => [k, (v ?? '').replace(/^"|"$/g, '')])) };
        break;
      default:
        throw new UnsupportedError(`--change ${keyword}: only CMD, ENTRYPOINT, ENV, WORKDIR and LABEL are supported`);
    }
  }
  return out;
}

export async function runImageImport(tarball: string, reference: string, flags: GlobalOptions & { change?: string[] }): Promise<void> {
  const changes = importChanges(flags.change ?? []);
  await withEngine(flags, async (engine) => {
    if (engine.kind === 'embedded') {
      const id = await (engine as unknown as EmbeddedImages).importImage(input(tarball), { tag: reference, ...changes });
      process.stdout.write(`${id}\n`);
      return;
    }
    if (flags.change?.length) throw new UnsupportedError('image import --change is supported on the embedded engine only');
    const colon = reference.lastIndexOf(':');
    const [repo, tag] = colon > reference.lastIndexOf('/') ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
    const lines = await dockerUpload('/images/create', { fromSrc: '-', repo, tag }, `import ${tarball}`, input(tarball));
    process.stdout.write(`${lines.at(-1) ?? ''}\n`);
  });
}

export async function runImageList(flags: GlobalOptions & { format: 'table' | 'json'; quiet?: boolean }): Promise<void> {
  await withEngine(flags, async (engine) => {
    const images = (await engine.listImages()).sort((a, b) => b.created - a.created);
    if (flags.quiet) {
      process.stdout.write(images.map((i) => `${i.id}\n`).join(''));
      return;
    }
    const rows = images.flatMap((i) => {
      const tags = i.repoTags.length ? i.repoTags : ['<none>:<none>'];
      return tags.map((t) => {
        const colon = t.lastIndexOf(':');
        return { repository: t.slice(0, colon), tag: t.slice(colon + 1), id: i.id, created: i.created, size: i.size };
      });
    });
    if (flags.format === 'json') {
      process.stdout.write(JSON.stringify(rows.map((r) => ({
        Repository: r.repository, Tag: r.tag, ID: r.id, Created: r.created ? new Date(r.created).toISOString() : '', Size: r.size,
      }))) + '\n');
      return;
    }
    process.stdout.write(renderTable([
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
      ...rows.map((r) => [r.repository, r.tag, r.id.replace(/^sha256:/, '').slice(0, 12), r.created ? new Date(r.created).toISOString() : '', humanSize(r.size)]),
    ]));
  });
}
