import type { ProjectEvent } from '../../api/events.js';
import type { GlobalOptions } from '../options.js';
import { projectOptions } from './common.js';

export async function runEvents(services: string[], flags: GlobalOptions & { json?: boolean; since?: string; until?: string }): Promise<void> {
  const { projectEvents } = await import('../../api/events.js');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await projectEvents({ ...projectOptions(flags), services, since: flags.since, until: flags.until, signal: controller.signal },
      (event) => process.stdout.write(flags.json ? jsonLine(event) : textLine(event)));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `2024-05-01 10:00:00.123 container start 3f2a… (image=…, name=…)`, as Docker Compose prints events. */
function textLine(event: ProjectEvent): string {
  const when = new Date(event.time).toISOString().replace('T', ' ').replace('Z', '');
  const attributes = Object.keys(event.attributes).sort().map((k) => `${k}=${event.attributes[k]}`).join(', ');
  return `${when} container ${event.action} ${event.id}${attributes ? ` (${attributes})` : ''}\n`;
}

function jsonLine(event: ProjectEvent): string {
  return JSON.stringify({
    time: new Date(event.time).toISOString(), type: event.type, action: event.action, id: event.id, service: event.service,
    attributes: event.attributes,
  }) + '\n';
}
