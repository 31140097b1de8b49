/** Engine-neutral views of a container (summary and details) from its record and observed state. */
import type { ContainerDetails, ContainerSummary } from '../../types.js';
import type { Observed } from './store.js';

function ago(iso: string): string {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds < 60) return `${Math.floor(seconds)} second${Math.floor(seconds) === 1 ? '' : 's'}`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${Math.floor(minutes)} minute${Math.floor(minutes) === 1 ? '' : 's'}`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.floor(hours)} hour${Math.floor(hours) === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

/** "Up 3 minutes (healthy)", "Exited (0) 2 seconds ago", ... as `docker ps` words it. */
export function humanStatus(o: Observed): string {
  const r = o.runtime;
  switch (o.state) {
    case 'created':
      return 'Created';
    case 'running':
      return `Up ${ago(r.startedAt)}${o.health ? ` (${o.health.status === 'starting' ? 'health: starting' : o.health.status})` : ''}`;
    case 'paused':
      return `Up ${ago(r.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${r.exitCode}) ${ago(r.finishedAt)} ago`;
    case 'dead':
      return 'Dead';
    default:
      return `Exited (${r.exitCode}) ${ago(r.finishedAt || r.startedAt || new Date().toISOString())} ago`;
  }
}

/** What the network manager knows of a container: its networks and (while it runs) its published ports. */
export type NetworkView = Pick<ContainerSummary, 'networks' | 'ports'>;

export function summaryOf(o: Observed, net: NetworkView): ContainerSummary {
  const { record } = o;
  const command = [...(record.config.entrypoint ?? []), ...(record.config.cmd ?? [])].join(' ');
  return {
    id: record.id,
    name: record.name,
    image: record.image,
    imageId: record.imageId,
    labels: record.spec.labels,
    state: o.state,
    status: humanStatus(o),
    created: record.created,
    ports: net.ports,
    networks: net.networks,
    mounts: record.mounts,
    command,
  };
}

export function detailsOf(o: Observed, net: NetworkView): ContainerDetails {
  const { record, runtime } = o;
  const live = o.state === 'running' || o.state === 'paused';
  return {
    ...summaryOf(o, net),
    exitCode: runtime.exitCode,
    startedAt: runtime.startedAt,
    finishedAt: runtime.finishedAt,
    pid: live ? runtime.pid : 0,
    oomKilled: runtime.oomKilled,
    restartCount: runtime.restartCount,
    ...(runtime.error ? { error: runtime.error } : {}),
    ...(o.health ? { health: o.health } : {}),
    config: record.config,
    restartPolicy: record.restartPolicy,
    portBindings: record.spec.ports ?? [],
  };
}
