/**
 * Docker's JSON progress messages (pull, push, build) → ProgressEvent. Errors arrive inside the stream with a
 * 200 status, so each reader returns the first error message it saw for the caller to raise.
 */
import type { ProgressEvent } from '../types.js';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: { ID?: string; Digest?: string; Tag?: string };
  error?: string;
  errorDetail?: { message?: string };
}

type Emit = (event: ProgressEvent) => void;

/** Pull and push: per-layer lines carry an id; the rest are status lines. */
export class TransferProgress {
  error?: string;
  digest?: string;

  constructor(private readonly emit: Emit) {}

  read(message: JsonMessage): void {
    if (message.error || message.errorDetail?.message) {
      this.error ??= message.errorDetail?.message ?? message.error;
      return;
    }
    if (message.aux?.Digest) this.digest = message.aux.Digest;
    const status = message.status ?? '';
    const digest = /digest: (sha256:[0-9a-f]{64})/i.exec(status);
    if (digest) this.digest ??= digest[1];
    if (!status) return;
    // A layer line has an id that is not the tag or repository being pulled ("latest: Pulling from ...").
    if (message.id && !/^(Pulling from|The push refers to)/.test(status) && !status.startsWith(`${message.id}:`)) {
      const event: ProgressEvent = { kind: 'layer', id: message.id, status };
      if (message.progressDetail?.current !== undefined) event.current = message.progressDetail.current;
      if (message.progressDetail?.total !== undefined) event.total = message.progressDetail.total;
      this.emit(event);
    } else {
      this.emit({ kind: 'status', message: message.id ? `${message.id}: ${status}` : status });
    }
  }
}

// Docker's classic builder prints "Step 1/3 : FROM x" and " ---> Using cache"; Podman's compat API (buildah)
// prints "STEP 1/3: FROM x" and "--> Using cache <id>".
const STEP = /^(?:Step|STEP) (\d+)(?:\/(\d+))? ?: (.*)$/;
const USING_CACHE = /^ ?-{2,3}> Using cache\b/;

/**
 * The classic builder's output. A step is reported once, on the line after its "Step N/M : ..." header, because
 * that line says whether the cache was used (" ---> Using cache") or the step runs.
 */
export class BuildProgress {
  error?: string;
  imageId?: string;
  private partial = '';
  private pendingStep?: { step: number; total?: number; instruction: string };

  constructor(private readonly emit: Emit) {}

  read(message: JsonMessage): void {
    if (message.error || message.errorDetail?.message) {
      this.flushStep(false);
      this.error ??= message.errorDetail?.message ?? message.error;
      return;
    }
    if (message.aux?.ID) this.imageId = message.aux.ID;
    if (message.status) this.emit({ kind: 'status', message: message.status });
    if (message.stream === undefined) return;
    this.partial += message.stream;
    let newline: number;
    while ((newline = this.partial.indexOf('\n')) !== -1) {
      const line = this.partial.slice(0, newline).replace(/\r$/, '');
      this.partial = this.partial.slice(newline + 1);
      this.line(line);
    }
  }

  /** Called when the stream ended. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.flushStep(false);
    const built = this.imageId;
    this.emit({ kind: 'done', ...(built ? { imageId: built } : {}) });
  }

  private line(line: string): void {
    const step = STEP.exec(line);
    if (step) {
      this.flushStep(false);
      this.pendingStep = {
        step: Number(step[1]),
        ...(step[2] ? { total: Number(step[2]) } : {}),
        instruction: step[3],
      };
      return;
    }
    if (this.pendingStep) {
      this.flushStep(USING_CACHE.test(line));
      if (USING_CACHE.test(line)) return;
    }
    const built = /^Successfully built ([0-9a-f]+)$/.exec(line);
    if (built && !this.imageId) this.imageId = built[1];
    if (line.trim()) this.emit({ kind: 'output', data: line });
  }

  private flushStep(cached: boolean): void {
    if (!this.pendingStep) return;
    this.emit({ kind: 'step', ...this.pendingStep, cached });
    this.pendingStep = undefined;
  }
}
