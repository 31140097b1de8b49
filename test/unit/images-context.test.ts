import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBuildContext, type ContextOptions } from '../../src/images/context.js';
import { createIgnoreRules } from '../../src/images/ignore-rules.js';

interface TarEntry { name: string; type: string; mode: number; uid: number; content: string; linkname?: string }

/** Reads the whole tar the context produces (the test's business; the context itself streams). */
async function entriesOf(options: ContextOptions): Promise<{ entries: Map<string, TarEntry>; dockerfile: string;
  labelsForEngine?: Record<string, string> }> {
  const context = await createBuildContext(options);
  const extract = tar.extract();
  const entries = new Map<string, TarEntry>();
  const read = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const h = entry.header;
      entries.set(h.name.replace(/\/$/, ''), { name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, uid: h.uid ?? -1,
        content: Buffer.concat(chunks).toString(), ...(h.linkname ? { linkname: h.linkname } : {}) });
    }
  })();
  context.stream.pipe(extract);
  await read;
  await context.done;
  return { entries, dockerfile: context.dockerfile, ...(context.labelsForEngine ? { labelsForEngine: context.labelsForEngine } : {}) };
}

let dir: string;

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await fs.mkdir(join(dir, path, '..'), { recursive: true });
    await fs.writeFile(join(dir, path), content);
  }
}

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'flotilla-images-context-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('build context tar', () => {
  it('sends every file with its content and mode, owned by root, sorted', async () => {
    await write({ Dockerfile: 'FROM scratch\n', 'b.txt': 'bee', 'a/one.txt': 'one', 'run.sh': '#!/bin/sh\n' });
    await fs.chmod(join(dir, 'run.sh'), 0o755);
    await fs.symlink('b.txt', join(dir, 'link'));
    const { entries, dockerfile } = await entriesOf({ contextDir: dir });
    expect(dockerfile).toBe('Dockerfile');
    expect([...entries.keys()]).toEqual(['Dockerfile', 'a', 'a/one.txt', 'b.txt', 'link', 'run.sh']);
    expect(entries.get('a/one.txt')!.content).toBe('one');
    expect(entries.get('a')!.type).toBe('directory');
    expect(entries.get('run.sh')!.mode).toBe(0o755);
    expect(entries.get('b.txt')!.mode).toBe(0o644);
    expect(entries.get('b.txt')!.uid).toBe(0);
    expect(entries.get('link')).toMatchObject({ type: 'symlink', linkname: 'b.txt' });
  });

  it('honours .dockerignore: patterns, ** , directories, and ! exceptions', async () => {
    await write({
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '# build output\nnode_modules\n*.log\n!keep.log\n**/secret*\ndocs/\n!docs/public/**\n',
      'app.js': 'x', 'debug.log': 'x', 'keep.log': 'x', 'node_modules/dep/index.js': 'x',
      'src/secret.key': 'x', 'src/main.js': 'x', 'secrets.txt': 'x',
      'docs/internal.md': 'x', 'docs/public/index.md': 'x', 'nested/debug.log': 'x',
    });
    const { entries } = await entriesOf({ contextDir: dir });
    const files = [...entries.values()].filter((e) => e.type === 'file').map((e) => e.name).sort();
    expect(files).toEqual([
      '.dockerignore', 'Dockerfile', 'app.js', 'docs/public/index.md', 'keep.log', 'nested/debug.log', 'src/main.js',
    ]);
  });

  it('always sends the Dockerfile and .dockerignore, even when excluded', async () => {
    await write({ 'docker/app.Dockerfile': 'FROM scratch\n', '.dockerignore': '*\n', 'code.js': 'x' });
    const { entries, dockerfile } = await entriesOf({ contextDir: dir, dockerfile: 'docker/app.Dockerfile' });
    expect(dockerfile).toBe('docker/app.Dockerfile');
    expect([...entries.keys()].filter((k) => entries.get(k)!.type === 'file').sort()).toEqual(['.dockerignore', 'docker/app.Dockerfile']);
  });

  it('prefers <Dockerfile>.dockerignore next to the Dockerfile over the context one', async () => {
    await write({
      'build/web.Dockerfile': 'FROM scratch\n', 'build/web.Dockerfile.dockerignore': 'assets\n', '.dockerignore': 'code.js\n',
      'code.js': 'x', 'assets/logo.svg': 'x',
    });
    const { entries } = await entriesOf({ contextDir: dir, dockerfile: 'build/web.Dockerfile' });
    expect(entries.has('code.js')).toBe(true);
    expect(entries.has('assets/logo.svg')).toBe(false);
  });

  it('injects dockerfile_inline under a content-derived name, hidden from COPY by the .dockerignore sent', async () => {
    await write({ 'code.js': 'x', '.dockerignore': 'tmp' });
    const first = await entriesOf({ contextDir: dir, dockerfileInline: 'FROM scratch\nCOPY . /\n' });
    expect(first.dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/);
    expect(first.entries.get(first.dockerfile)!.content).toBe('FROM scratch\nCOPY . /\n');
    expect(first.entries.get('.dockerignore')!.content).toBe(`tmp\n${first.dockerfile}\n`);
    const again = await entriesOf({ contextDir: dir, dockerfileInline: 'FROM scratch\nCOPY . /\n' });
    expect(again.dockerfile).toBe(first.dockerfile);
    const other = await entriesOf({ contextDir: dir, dockerfileInline: 'FROM scratch\n' });
    expect(other.dockerfile).not.toBe(first.dockerfile);
  });

  it('adds a Dockerfile from outside the context, and a .dockerignore that hides itself when there was none', async () => {
    const outside = await fs.mkdtemp(join(tmpdir(), 'flotilla-images-outside-'));
    try {
      await fs.writeFile(join(outside, 'Dockerfile.prod'), 'FROM scratch\n');
      await write({ 'code.js': 'x' });
      const { entries, dockerfile } = await entriesOf({ contextDir: dir, dockerfile: join(outside, 'Dockerfile.prod') });
      expect(entries.get(dockerfile)!.content).toBe('FROM scratch\n');
      expect(entries.get('.dockerignore')!.content).toBe(`.dockerignore\n${dockerfile}\n`);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  describe('with labels to carry', () => {
    const labels = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' };
    const instruction = 'LABEL "com.docker.compose.project"="shop" "com.docker.compose.service"="web"';

    it('sends the Dockerfile with the LABEL instruction under its own name, the original as an ordinary file', async () => {
      await write({ Dockerfile: 'FROM scratch\nCOPY . /\n', '.dockerignore': 'tmp', 'code.js': 'x' });
      const { entries, dockerfile, labelsForEngine } = await entriesOf({ contextDir: dir, labels });
      expect(dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/);
      expect(entries.get(dockerfile)!.content).toBe(`FROM scratch\n${instruction}\nCOPY . /\n`);
      expect(entries.get('Dockerfile')!.content).toBe('FROM scratch\nCOPY . /\n');
      expect(entries.get('.dockerignore')!.content).toBe(`tmp\n${dockerfile}\n`);
      expect(labelsForEngine).toBeUndefined();
      // Same content, same name: the build cache keeps working.
      expect((await entriesOf({ contextDir: dir, labels })).dockerfile).toBe(dockerfile);
    });

    it('leaves out an original Dockerfile the .dockerignore excludes, as the engine would', async () => {
      await write({ 'docker/web.Dockerfile': 'FROM scratch\n', '.dockerignore': 'docker\n', 'code.js': 'x' });
      const { entries, dockerfile } = await entriesOf({ contextDir: dir, dockerfile: 'docker/web.Dockerfile', labels });
      const files = [...entries.values()].filter((e) => e.type === 'file').map((e) => e.name).sort();
      expect(files).toEqual(['.dockerignore', dockerfile, 'code.js'].sort());
      expect(entries.get(dockerfile)!.content).toBe(`FROM scratch\n${instruction}\n`);
    });

    it('rewrites dockerfile_inline and a Dockerfile outside the context, for the target stage', async () => {
      await write({ 'code.js': 'x' });
      const inline = await entriesOf({ contextDir: dir, dockerfileInline: 'FROM scratch AS a\nCOPY . /\nFROM a\n', labels, target: 'a' });
      expect(inline.entries.get(inline.dockerfile)!.content).toBe(`FROM scratch AS a\n${instruction}\nCOPY . /\nFROM a\n`);
      const outside = await fs.mkdtemp(join(tmpdir(), 'flotilla-images-outside-'));
      try {
        await fs.writeFile(join(outside, 'Dockerfile'), 'FROM scratch\n');
        const { entries, dockerfile } = await entriesOf({ contextDir: dir, dockerfile: join(outside, 'Dockerfile'), labels });
        expect(entries.get(dockerfile)!.content).toBe(`FROM scratch\n${instruction}\n`);
      } finally {
        await fs.rm(outside, { recursive: true, force: true });
      }
    });

    it('hands the labels back for the engine when the Dockerfile cannot carry them the same way', async () => {
      await write({ Dockerfile: 'FROM scratch\nCOPY . /\nLABEL com.docker.compose.project=mine\n' });
      const { entries, dockerfile, labelsForEngine } = await entriesOf({ contextDir: dir, labels });
      expect(dockerfile).toBe('Dockerfile');
      expect(labelsForEngine).toEqual(labels);
      expect([...entries.keys()].some((name) => name.startsWith('.dockerfile.'))).toBe(false);
    });
  });

  it('fails clearly for a missing Dockerfile or context', async () => {
    await expect(createBuildContext({ contextDir: dir })).rejects.toThrow(/Dockerfile .*Dockerfile not found/);
    await expect(createBuildContext({ contextDir: join(dir, 'nope') })).rejects.toThrow(/is not a directory/);
  });

  it('streams: a large file is read as the tar is consumed, not before', async () => {
    await write({ Dockerfile: 'FROM scratch\n' });
    await fs.writeFile(join(dir, 'big.bin'), Buffer.alloc(32 * 1024 * 1024, 7));
    const context = await createBuildContext({ contextDir: dir });
    await new Promise((r) => setTimeout(r, 50));
    // Nobody reads yet: the walk must be waiting for the consumer with most of the file unread.
    let settled = false;
    context.done.then(() => { settled = true; }, () => { settled = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    let bytes = 0;
    for await (const chunk of context.stream) bytes += (chunk as Buffer).length;
    expect(bytes).toBeGreaterThan(32 * 1024 * 1024);
    expect((await context.done).bytes).toBe(32 * 1024 * 1024 + 'FROM scratch\n'.length);
  });
});

describe('ignore rules', () => {
  it('skips an excluded directory only when no exception can reach inside it', () => {
    const rules = createIgnoreRules('data\n!data/keep/**\ncache\n', ['Dockerfile', '.dockerignore']);
    expect(rules.excludes('data')).toBe(true);
    expect(rules.canSkipDirectory('data')).toBe(false);
    expect(rules.canSkipDirectory('data/keep')).toBe(false);
    expect(rules.excludes('data/keep/x')).toBe(false);
    expect(rules.canSkipDirectory('cache')).toBe(true);
    const anywhere = createIgnoreRules('vendor\n!**/LICENSE\n', []);
    expect(anywhere.canSkipDirectory('vendor')).toBe(false);
  });

  it('excludes nothing without rules', () => {
    expect(createIgnoreRules(undefined, []).excludes('anything')).toBe(false);
  });
});
