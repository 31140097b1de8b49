/** Lifecycle of the networks' name servers (dns-main.ts): one detached process per network, found by its config. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../errors.js';
import { readJson, writeJsonAtomic } from '../state/files.js';
import type { DnsConfig } from './dns-main.js';
import { helperAlive, helperScript, startHelper, stopHelper, type HelperStatus } from './helpers.js';
import type { NetworkRecord, NetworkStore } from './store.js';

export class NameServers {
  constructor(
    private readonly store: NetworkStore,
    private readonly resolvConfPath: string,
  ) {}

  private files(networkId: string) {
    const base = join(this.store.paths.run, `dns-${networkId}`);
    return { config: `${base}.json`, status: `${base}.status.json`, log: `${base}.log` };
  }

  async running(networkId: string): Promise<boolean> {
    const files = this.files(networkId);
    const status = await readJson<HelperStatus>(files.status).catch(() => undefined);
    return !!status?.ok && helperAlive(status.pid, files.config);
  }

  /** Starts the network's name server unless it runs. */
  async ensure(record: NetworkRecord): Promise<void> {
    const files = this.files(record.id);
    if (await this.running(record.id)) return;
    const config: DnsConfig = { recordPath: this.store.recordPath(record.id), gateway: record.gateway, statusPath: files.status, resolvConfPath: this.resolvConfPath };
    await writeJsonAtomic(files.config, config);
    const started = await startHelper<HelperStatus & { error?: string }>({
      script: await helperScript('dns-main', this.store.paths.helpers),
      configPath: files.config,
      statusPath: files.status,
      logPath: files.log,
    });
    if (!started.ok) {
      throw new ConflictError(`network ${record.name}: its name server cannot listen on ${record.gateway}:53: ${started.error ?? 'unknown error'}`, 'network', record.name);
    }
  }

  async stop(networkId: string): Promise<void> {
    const files = this.files(networkId);
    const status = await readJson<HelperStatus>(files.status).catch(() => undefined);
    await stopHelper(status?.pid, files.config);
    await Promise.all([files.config, files.status, files.log].map((p) => fs.rm(p, { force: true })));
  }
}
