/**
 * Named volumes: volumes/<name>/_data with meta.json beside it (labels, options, creation time). Only the
 * "local" driver without options is supported: a plain directory.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, InvalidRequestError, NotFoundError, UnsupportedError } from '../errors.js';
import type { LabelFilter, VolumeSpec, VolumeSummary } from '../types.js';
import { readJson, writeJsonAtomic } from './state/files.js';

interface VolumeMeta {
  name: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  created: number;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function matchesLabels(labels: Record<string, string>, filter?: LabelFilter): boolean {
  for (const [key, want] of Object.entries(filter ?? {})) {
    const have = labels[key];
    if (have === undefined || (want !== true && have !== want)) return false;
  }
  return true;
}

export class VolumeStore {
  constructor(private readonly dir: string) {}

  dataDir(name: string): string {
    return join(this.dir, name, '_data');
  }

  private summary(meta: VolumeMeta): VolumeSummary {
    return {
      name: meta.name,
      driver: 'local',
      mountpoint: this.dataDir(meta.name),
      labels: meta.labels,
      options: meta.options,
      scope: 'local',
      created: meta.created,
    };
  }

  async find(name: string): Promise<VolumeSummary | undefined> {
    if (!NAME.test(name)) return undefined;
    const meta = await readJson<VolumeMeta>(join(this.dir, name, 'meta.json'));
    return meta ? this.summary(meta) : undefined;
  }

  async inspect(name: string): Promise<VolumeSummary> {
    const volume = await this.find(name);
    if (!volume) throw new NotFoundError('volume', name);
    return volume;
  }

  async list(options: { labels?: LabelFilter; names?: string[] } = {}): Promise<VolumeSummary[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const out: VolumeSummary[] = [];
    for (const name of names.sort()) {
      const volume = await this.find(name);
      if (!volume) continue;
      if (options.names && !options.names.includes(name)) continue;
      if (!matchesLabels(volume.labels, options.labels)) continue;
      out.push(volume);
    }
    return out;
  }

  /** Creating an existing volume returns it, as Docker does. Caller holds the engine lock. */
  async create(spec: VolumeSpec): Promise<VolumeSummary> {
    const name = spec.name || randomBytes(32).toString('hex');
    if (!NAME.test(name)) throw new InvalidRequestError(`invalid volume name "${name}"`);
    if (spec.driver && spec.driver !== 'local') {
      throw new UnsupportedError(`volume driver "${spec.driver}" is not supported by the embedded engine`);
    }
    if (spec.driverOpts && Object.keys(spec.driverOpts).length > 0) {
      throw new UnsupportedError('volume driver options are not supported by the embedded engine');
    }
    const existing = await this.find(name);
    if (existing) return existing;
    await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
    const meta: VolumeMeta = { name, labels: spec.labels ?? {}, options: {}, created: Date.now() };
    await writeJsonAtomic(join(this.dir, name, 'meta.json'), meta);
    return this.summary(meta);
  }

  /** Caller checks use by containers (→ ConflictError) and holds the engine lock. */
  async remove(name: string, usedBy: string[]): Promise<void> {
    await this.inspect(name);
    if (usedBy.length > 0) {
      throw new ConflictError(`volume ${name} is in use by container(s) ${usedBy.join(', ')}`, 'volume', name);
    }
    await fs.rm(join(this.dir, name), { recursive: true, force: true });
  }

  /** True when the volume's data directory holds nothing yet (copy-up happens only then). */
  async isEmpty(name: string): Promise<boolean> {
    const entries = await fs.readdir(this.dataDir(name)).catch(() => [] as string[]);
    return entries.length === 0;
  }
}
