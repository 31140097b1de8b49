/**
 * Helpers of the image suites: copying the node-web-app example into a throwaway project, reading plain build
 * output, removing the images and registry tags a test made.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { docker, ROOT } from './flotilla-harness.js';

export const EXAMPLE = join(ROOT, 'examples/node-web-app');
export const BUSYBOX = 'flotilla-test/busybox:latest';

/** Copies the example's files (not its compose file, which the test writes) into `dir`. */
export function copyExample(dir: string): void {
  for (const name of readdirSync(EXAMPLE)) {
    if (name !== 'compose.yaml') cpSync(join(EXAMPLE, name), join(dir, name), { recursive: true });
  }
}

export interface PlainStep {
  step: number;
  total: number;
  instruction: string;
  cached: boolean;
}

/** The steps of `--progress plain` build output: `#3 [2/5] COPY … CACHED 0.0s` or `#5 [4/5] COPY . .` + DONE. */
export function plainSteps(output: string): PlainStep[] {
  const steps: PlainStep[] = [];
  for (const line of output.split('\n')) {
    const m = /^#\d+ \[(?:\S+ )?(\d+)\/(\d+)\] (.*?)( CACHED \d+\.\ds)?$/.exec(line);
    if (m) steps.push({ step: Number(m[1]), total: Number(m[2]), instruction: m[3]!, cached: m[4] !== undefined });
  }
  return steps.sort((a, b) => a.step - b.step);
}

export function imageId(ref: string): string | undefined {
  const result = spawnSync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function removeImages(...refs: string[]): void {
  const present = refs.filter((r) => imageId(r) !== undefined);
  if (present.length > 0) spawnSync('docker', ['rmi', '-f', ...present], { stdio: 'ignore' });
}

/** Runs a throwaway container of `image` and returns its stdout. */
export function runIn(image: string, command: string[]): string {
  return docker(['run', '--rm', '--entrypoint', command[0]!, image, ...command.slice(1)]);
}

/** Deletes a tag from a local registry (deletes may be disabled: a leftover tag is harmless). */
export async function deleteFromRegistry(registry: string, repo: string, tag: string, basic?: string): Promise<void> {
  const headers: Record<string, string> = { Accept: 'application/vnd.docker.distribution.manifest.v2+json' };
  if (basic) headers.Authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  try {
    const head = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers });
    const digest = head.headers.get('docker-content-digest');
    if (digest) await fetch(`http://${registry}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers });
  } catch {
    // nothing to do
  }
}
