import { FlotillaError } from '../errors.js';

/** The project cannot be brought to its desired state as asked: each problem is one entry of `problems`. */
export class ReconcileError extends FlotillaError {
  constructor(readonly problems: string[], options: { hint?: string } = {}) {
    super(problems.join('; '), options);
    this.name = 'ReconcileError';
  }
}
