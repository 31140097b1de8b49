/**
 * When Flotilla last pulled each image, for the time-based pull policies (`daily`, `weekly`, `every_*`,
 * `refresh`). The engine knows when a tag last moved, but our Engine interface does not report it (and the
 * embedded engine keeps no such thing), so the time is kept here.
 *
 * Where: `<state dir>/image-pulls.json`, the state dir of the project lock (`FLOTILLA_STATE_DIR`, else
 * `/run/flotilla` for root, else `$XDG_STATE_HOME/flotilla` or `~/.local/state/flotilla`).
 * What: `{ "<engine endpoint>": { "<image ref>": { "pulledAt": <ms>, "imageId": "sha256:…" } } }`. The id lets
 * a reader tell that the tag moved since (a rebuild, a `docker pull`): then the time no longer applies.
 * How: read whole, changed, written to a temporary file and renamed over, so a reader never sees half a file.
 * Two processes writing at once may lose one record; the only effect is one extra pull later.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDirectory } from '../reconcile/lock.js';

export interface PullRecord {
  pulledAt: number;
  imageId: string;
}

type StateFile = Record<string, Record<string, PullRecord>>;

export function pullStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'image-pulls.json');
}

export class PullState {
  constructor(
    private readonly path: string,
    /** Records are per engine: the same tag on two engines is two images. */
    private readonly endpoint: string,
  ) {}

  /** The last pull of `ref`, if it is still the image `currentId` (when given). */
  async lastPull(ref: string, currentId?: string): Promise<PullRecord | undefined> {
    const record = (await this.read())[this.endpoint]?.[ref];
    if (!record) return undefined;
    if (currentId !== undefined && record.imageId !== currentId) return undefined;
    return record;
  }

  async recordPulls(records: Record<string, PullRecord>): Promise<void> {
    if (Object.keys(records).length === 0) return;
    const state = await this.read();
    state[this.endpoint] = { ...state[this.endpoint], ...records };
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(state, null, 1) + '\n', { mode: 0o600 });
    await fs.rename(temporary, this.path);
  }

  private async read(): Promise<StateFile> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.path, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as StateFile) : {};
    } catch {
      // Missing or damaged: no pull known, which only means pulling again.
      return {};
    }
  }
}
