/**
 * `attach`: the terminal joined to a running service container's stdin and output, until the container stops
 * or the detach keys are typed.
 */
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { FlotillaError } from '../errors.js';
import { linkedController, pumpOutput } from './exec.js';
import type { ProjectOptions } from './options.js';
import { serviceContainer, withProjectScope } from './project-containers.js';

/** Options of `attach`: the service and replica, stdin, detach keys. */
export interface AttachOptions extends ProjectOptions {
  service: string;
  index?: number;
  /** Do not forward stdin (`--no-stdin`). */
  noStdin?: boolean;
  /** Key sequence that detaches, Docker's syntax ("ctrl-p,ctrl-q", the default). */
  detachKeys?: string;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/** How the session ended: the container stopped (with its exit code), or the user detached. */
export type AttachResult = { detached: true } | { detached: false; exitCode: number };

/** Attaches the terminal to a service container's stdio (`attach`) until it exits or is detached. */
export async function attachToService(options: AttachOptions): Promise<AttachResult> {
  const keys = parseDetachKeys(options.detachKeys ?? 'ctrl-p,ctrl-q');
  return withProjectScope(options, [options.service], async (session, scope) => {
    const engine = session.engine;
    const container = await serviceContainer(engine, scope.name, options.service, { index: options.index, running: true });
    const connection = linkedController(options.signal);
    const useStdin = !options.noStdin && options.stdin !== undefined;
    const attached = await engine.attachContainer(container.id, { stdin: useStdin, streamOnly: true, signal: connection.signal });
    let detached = false;
    const filter = new DetachKeyFilter(keys, () => {
      detached = true;
      connection.abort();
    });
    if (useStdin && attached.stdin) options.stdin!.pipe(filter).pipe(attached.stdin);
    try {
      await pumpOutput(attached.output, options.stdout, options.stderr);
    } finally {
      if (useStdin) options.stdin!.unpipe(filter);
      await attached.close();
    }
    if (detached) return { detached: true };
    const { exitCode } = await engine.waitContainer(container.id, 'not-running');
    return { detached: false, exitCode };
  });
}

/** "ctrl-p,ctrl-q" → [0x10, 0x11]: `ctrl-a`…`ctrl-z`, `ctrl-@`, `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`, `ctrl-_`, or one character. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((key) => {
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const ch = ctrl[1]!;
      const lower = ch.toLowerCase();
      if (lower >= 'a' && lower <= 'z') return lower.charCodeAt(0) - 0x60;
      const special = '@[\\]^_'.indexOf(ch);
      if (special >= 0) return special === 0 ? 0 : 0x1b + special - 1;
    } else if (key.length === 1) {
      return key.charCodeAt(0);
    }
    throw new FlotillaError(`invalid detach keys "${spec}"`, { hint: 'use keys such as ctrl-p,ctrl-q or a single character' });
  });
}

/**
 * Passes stdin through, except the detach sequence. A prefix of the sequence is held back until the next key
 * tells whether it completes the sequence (then detach, nothing sent) or not (then the held keys go through).
 */
export class DetachKeyFilter extends Transform {
  private matched = 0;

  constructor(private readonly keys: number[], private readonly onDetach: () => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          if (out.length > 0) this.push(Buffer.from(out));
          this.onDetach();
          return callback();
        }
        continue;
      }
      // The held prefix was not the sequence after all: it goes through, then this byte is looked at afresh.
      out.push(...this.keys.slice(0, this.matched));
      this.matched = byte === this.keys[0] ? 1 : 0;
      if (this.matched === 0) out.push(byte);
    }
    if (out.length > 0) this.push(Buffer.from(out));
    callback();
  }
}
