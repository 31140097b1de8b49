/** Networks over the Docker API: list, inspect, create, remove, and (dis)connecting containers. */
import type { ConnectOptions, LabelFilter, NetworkDetails, NetworkSpec, NetworkSummary } from '../types.js';
import { endpointConfig } from './container-spec.js';
import { networkDetails, networkSummary } from './convert.js';
import { filtersParam, labelFilterValues, matchesLabels } from './filters.js';
import { pathSegment, type DockerTransport, type Json } from './transport.js';

export async function listNetworks(
  api: DockerTransport,
  options: { labels?: LabelFilter; names?: string[] } = {},
): Promise<NetworkSummary[]> {
  const filters = filtersParam({ label: labelFilterValues(options.labels), name: options.names ?? [] });
  const list = await api.json<Json[]>({
    method: 'GET',
    path: '/networks',
    query: { filters },
    what: 'list networks',
  });
  // Docker's name filter matches substrings; names are exact here.
  return list
    .map(networkSummary)
    .filter((n) => (!options.names || options.names.includes(n.name)) && matchesLabels(n.labels, options.labels));
}

export async function inspectNetwork(api: DockerTransport, idOrName: string): Promise<NetworkDetails> {
  const n = await api.json<Json>({
    method: 'GET',
    path: `/networks/${pathSegment(idOrName)}`,
    what: `inspect network ${idOrName}`,
    subject: { kind: 'network', ref: idOrName },
  });
  return networkDetails(n);
}

export async function createNetwork(api: DockerTransport, spec: NetworkSpec): Promise<{ id: string }> {
  const created = await api.json<Json>({
    method: 'POST',
    path: '/networks/create',
    body: createNetworkBody(spec),
    ok: [201],
    what: `create network ${spec.name}`,
    subject: { kind: 'network', ref: spec.name },
  });
  return { id: String(created.Id) };
}

function createNetworkBody(spec: NetworkSpec): Json {
  const body: Json = {
    Name: spec.name,
    CheckDuplicate: true,
    Driver: spec.driver ?? 'bridge',
    Labels: spec.labels ?? {},
    Internal: spec.internal ?? false,
    Attachable: spec.attachable ?? false,
    EnableIPv6: spec.enableIpv6 ?? false,
  };
  if (spec.driverOpts) body.Options = spec.driverOpts;
  if (spec.ipam) {
    body.IPAM = {
      Driver: spec.ipam.driver ?? 'default',
      Config: (spec.ipam.config ?? []).map((p) => ({
        ...(p.subnet ? { Subnet: p.subnet } : {}),
        ...(p.ipRange ? { IPRange: p.ipRange } : {}),
        ...(p.gateway ? { Gateway: p.gateway } : {}),
        ...(p.auxAddresses ? { AuxiliaryAddresses: p.auxAddresses } : {}),
      })),
      Options: spec.ipam.options ?? {},
    };
  }
  return body;
}

export async function removeNetwork(api: DockerTransport, idOrName: string): Promise<void> {
  await api.json({
    method: 'DELETE',
    path: `/networks/${pathSegment(idOrName)}`,
    ok: [204, 200],
    what: `remove network ${idOrName}`,
    subject: { kind: 'network', ref: idOrName },
  });
}

export async function connectNetwork(
  api: DockerTransport,
  network: string,
  container: string,
  options: ConnectOptions = {},
): Promise<void> {
  await api.json({
    method: 'POST',
    path: `/networks/${pathSegment(network)}/connect`,
    body: { Container: container, EndpointConfig: endpointConfig(options) },
    ok: [200],
    what: `connect container ${container} to network ${network}`,
    subject: { kind: 'network', ref: network },
  });
}

export async function disconnectNetwork(
  api: DockerTransport,
  network: string,
  container: string,
  force = false,
): Promise<void> {
  await api.json({
    method: 'POST',
    path: `/networks/${pathSegment(network)}/disconnect`,
    body: { Container: container, Force: force },
    ok: [200],
    what: `disconnect container ${container} from network ${network}`,
    subject: { kind: 'network', ref: network },
  });
}
