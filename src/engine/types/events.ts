/** Engine events (container, network, volume and image changes) as the Engine interface sees them. */
import type { LabelFilter } from './common.js';

export interface EngineEvent {
  type: 'container' | 'network' | 'volume' | 'image';
  /** "create", "start", "die", "health_status: healthy", "destroy", ... */
  action: string;
  id: string;
  /** Labels and attributes such as name, image, exitCode. */
  attributes: Record<string, string>;
  /** ms since the epoch. */
  time: number;
}

export interface EventOptions {
  labels?: LabelFilter;
  types?: EngineEvent['type'][];
  since?: number;
  until?: number;
  signal?: AbortSignal;
}
