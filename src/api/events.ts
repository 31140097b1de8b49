/** `events`: the engine's container events for the project, as they happen. */
import type { EngineEvent } from '../engine/types.js';
import { Label } from '../reconcile/labels.js';
import type { ProjectOptions } from './options.js';
import { withProjectScope } from './project-containers.js';
import { parseTimeArg } from './time-arg.js';

/** Options of `events`: which services, and the time bounds. */
export interface EventsOptions extends ProjectOptions {
  services?: string[];
  /** Replay from this time (Unix timestamp, RFC 3339 or duration such as "10m"). */
  since?: string;
  /** Stop at this time; without it, events stream until `signal` aborts. */
  until?: string;
}

/** An event as Docker Compose reports it (`--json` prints exactly these fields). */
export interface ProjectEvent {
  /** ms since the epoch. */
  time: number;
  type: 'container';
  action: string;
  /** Container id. */
  id: string;
  service: string;
  /** Container name, image and labels other than Compose's own. */
  attributes: Record<string, string>;
}

/** Calls `onEvent` for every container event of the project (of the services, if given). */
export async function projectEvents(options: EventsOptions, onEvent: (event: ProjectEvent) => void): Promise<void> {
  await withProjectScope(options, options.services, async (session, scope) => {
    const now = Date.now();
    const services = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
    const events = session.engine.events({
      labels: { [Label.project]: scope.name }, types: ['container'],
      ...(options.since !== undefined ? { since: parseTimeArg(options.since, now) } : {}),
      ...(options.until !== undefined ? { until: parseTimeArg(options.until, now) } : {}),
      signal: options.signal,
    });
    for await (const event of events) {
      const projected = toProjectEvent(event);
      if (services && !services.has(projected.service)) continue;
      onEvent(projected);
    }
  });
}

/** Drops Compose's bookkeeping labels from the attributes: they say nothing the service name does not. */
export function toProjectEvent(event: EngineEvent): ProjectEvent {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.attributes)) {
    if (!key.startsWith('com.docker.compose.') && !key.startsWith('dev.flotilla.')) attributes[key] = value;
  }
  return {
    time: event.time, type: 'container', action: event.action, id: event.id,
    service: event.attributes[Label.service] ?? '', attributes,
  };
}
