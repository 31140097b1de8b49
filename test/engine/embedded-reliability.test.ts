/**
 * The embedded engine under hostile input and broken processes: layers that try to write outside their
 * directory are rejected and write nothing there, a layer whose digest does not match is rejected, a killed
 * supervisor is detected and reported, and nothing of the tests (runc containers, mounts, supervisors) stays.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/engine/errors.js';
import { createEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded/index.js';
import { busyboxArchive } from './busybox-archive.js';
import { BUSYBOX } from './contract.js';

const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'];

type Entry = tar.Headers & { content?: string };

async function tarBuffer(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...header } of entries) pack.entry(header, content ?? '');
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const part of pack) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A `docker save` archive of one image with the given layer; diff_id is the layer's real one unless given. */
async function saveArchive(layer: Buffer, tag: string, diffId = sha256(layer)): Promise<Readable> {
  const config = JSON.stringify({ os: 'linux', architecture: 'amd64', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } });
  const configName = `${sha256(Buffer.from(config)).slice(7)}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ['layer0/layer.tar'] }]);
  return Readable.from([
    await tarBuffer([
      { name: configName, content: config },
      { name: 'layer0/layer.tar', content: layer.toString('latin1') },
      { name: 'manifest.json', content: manifest },
    ]),
  ]);
}

/** Every file below `dir`, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1));
  }
  return out.sort();
}

function supervisorsOf(dataRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dataRoot)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('embedded engine reliability', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-emb-rel-'));
  const dataRoot = join(scratch, 'data');
  const outside = join(scratch, 'outside');
  let engine: EmbeddedEngine;

  beforeAll(async () => {
    mkdirSync(outside);
    engine = await createEmbeddedEngine({ dataRoot });
  });

  afterAll(async () => {
    for (const c of await engine.listContainers()) await engine.removeContainer(c.id, { force: true, volumes: true });
    // Nothing of ours may remain on the host.
    expect(await engine.runc.list()).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataRoot);
    expect(supervisorsOf(dataRoot)).toEqual([]);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(engine.net.names.netnsPrefix);
    await engine.close();
    await engine.net.cleanupAll();
    expect(existsSync(engine.paths.runcRoot)).toBe(false);
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('hostile layers', () => {
    const expectRejected = async (layer: Buffer, tag: string) => {
      const before = tree(outside);
      const err = await engine.loadImageArchive(await saveArchive(layer, tag)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect(tree(outside)).toEqual(before);
      expect(tree(join(dataRoot, 'layers'))).toEqual([]);
      await expect(engine.inspectImage(tag)).rejects.toThrow(/not found/);
      return err as Error;
    };

    it('rejects "../" entries and writes nothing outside the layer', async () => {
      const layer = await tarBuffer([
        { name: 'ok.txt', content: 'fine' },
        { name: '../../outside/escaped.txt', content: 'escaped' },
      ]);
      const err = await expectRejected(layer, 'hostile/dotdot:1');
      expect(err.message).toMatch(/escapes/);
      expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    });

    it('rejects writing through a symlink that points outside', async () => {
      const layer = await tarBuffer([
        { name: 'link', type: 'symlink', linkname: outside },
        { name: 'link/pwned.txt', content: 'pwned' },
      ]);
      const err = await expectRejected(layer, 'hostile/symlink:1');
      expect(err.message).toMatch(/symlink/);
      expect(existsSync(join(outside, 'pwned.txt'))).toBe(false);
    });

    it('rejects a hard link to a file outside the layer', async () => {
      const victim = join(outside, 'victim.txt');
      execFileSync('sh', ['-c', `echo original > ${victim}`]);
      const layer = await tarBuffer([
        { name: 'hl', type: 'link', linkname: '../../outside/victim.txt' },
        { name: 'abs', type: 'link', linkname: victim },
      ]);
      await expectRejected(layer, 'hostile/hardlink:1');
      expect(readFileSync(victim, 'utf8')).toBe('original\n');
    });

    it('rejects a layer whose digest does not match its diff_id', async () => {
      const layer = await tarBuffer([{ name: 'file.txt', content: 'content' }]);
      const wrong = sha256(Buffer.from('something else'));
      const err = await engine.loadImageArchive(await saveArchive(layer, 'hostile/digest:1', wrong)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect((err as Error).message).toMatch(/diff_id/);
      await expect(engine.inspectImage('hostile/digest:1')).rejects.toThrow(/not found/);
      // The rejected layer's blob was collected again.
      expect(readdirSync(join(dataRoot, 'images', 'blobs', 'sha256'))).toEqual([]);
    });

    it('converts whiteouts to overlayfs form and keeps modes', async () => {
      const layer = await tarBuffer([
        { name: 'dir/', type: 'directory', mode: 0o750 },
        { name: 'dir/.wh..wh..opq' },
        { name: 'dir/kept', content: 'k', mode: 0o640 },
        { name: '.wh.gone' },
      ]);
      const [id] = await engine.loadImageArchive(await saveArchive(layer, 'whiteouts/ok:1'));
      const dir = engine.layers.dirFor(sha256(layer));
      const gone = execFileSync('stat', ['-c', '%F %t:%T', join(dir, 'gone')]).toString().trim();
      expect(gone).toBe('character special file 0:0');
      expect(execFileSync('stat', ['-c', '%a', join(dir, 'dir')]).toString().trim()).toBe('750');
      expect(execFileSync('stat', ['-c', '%a', join(dir, 'dir/kept')]).toString().trim()).toBe('640');
      expect(existsSync(join(dir, 'dir', '.wh..wh..opq'))).toBe(false);
      await engine.removeImage(id!);
      expect(existsSync(dir)).toBe(false);
    });
  });

  describe('lost supervisors', () => {
    beforeAll(async () => {
      await engine.loadImageArchive(busyboxArchive(scratch));
    });

    const killSupervisor = async (id: string) => {
      const pid = Number(readFileSync(join(dataRoot, 'containers', id, 'supervisor.pid'), 'utf8'));
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
    };

    it('reports a killed supervisor as an exited container with an error, and stops the container', async () => {
      const { id } = await engine.createContainer({ name: 'rel-lost', image: BUSYBOX, labels: {}, cmd: IDLE });
      await engine.startContainer(id);
      const running = await engine.inspectContainer(id);
      expect(running.state).toBe('running');
      await killSupervisor(id);
      const d = await engine.inspectContainer(id);
      expect(d.state).toBe('exited');
      expect(d.error).toMatch(/supervisor .* died unexpectedly/);
      expect(d.exitCode).toBe(137);
      expect(existsSync(`/proc/${running.pid}`)).toBe(false);
      expect(await engine.runc.state(id)).toBeUndefined();
      // It can be started again.
      await engine.startContainer(id);
      expect((await engine.inspectContainer(id)).state).toBe('running');
      await engine.removeContainer(id, { force: true });
    });

    it('repairs at the next engine start (recovery)', async () => {
      const { id } = await engine.createContainer({ name: 'rel-recover', image: BUSYBOX, labels: {}, cmd: IDLE });
      await engine.startContainer(id);
      await killSupervisor(id);
      const reopened = await createEmbeddedEngine({ dataRoot });
      expect(reopened.recoveryNotes.join('\n')).toMatch(/rel-recover: supervisor .* died unexpectedly/);
      expect(await reopened.runc.list()).toEqual([]);
      await reopened.removeContainer(id);
      await reopened.close();
    });
  });
});
