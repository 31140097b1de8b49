/**
 * A requested network → what the embedded engine records of it: the checks of what it can do (bridge driver,
 * IPv4, default IPAM) and the record itself. No kernel object is touched here.
 */
import { ConflictError, InvalidRequestError, UnsupportedError } from '../../errors.js';
import type { NetworkSpec } from '../../types.js';
import type { SubnetPlan } from './ipam.js';
import type { NetworkRecord } from './store.js';

/** Fails for what the embedded engine's networks cannot be, before anything is chosen or created. */
export function checkNetworkSpec(spec: NetworkSpec): void {
  if (spec.enableIpv6) throw new UnsupportedError(`network ${spec.name}: enable_ipv6 is not supported by the embedded engine`);
  if (spec.driver && spec.driver !== 'bridge') throw new UnsupportedError(`network ${spec.name}: driver "${spec.driver}" is not supported by the embedded engine (bridge only)`);
  if (spec.ipam?.driver && spec.ipam.driver !== 'default') throw new UnsupportedError(`network ${spec.name}: IPAM driver "${spec.ipam.driver}" is not supported`);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.name)) throw new InvalidRequestError(`invalid network name "${spec.name}"`);
  if (spec.name === 'host' || spec.name === 'none') throw new ConflictError(`network ${spec.name} is predefined`, 'network', spec.name);
}

/** The record of a new network, with no members yet. */
export function newNetworkRecord(spec: NetworkSpec, init: { id: string; bridge: string; plan: SubnetPlan; upstreams?: string[] }): NetworkRecord {
  return {
    id: init.id,
    name: spec.name,
    bridge: init.bridge,
    ...init.plan,
    internal: spec.internal ?? false,
    attachable: spec.attachable ?? false,
    labels: { ...(spec.labels ?? {}) },
    driverOpts: { ...(spec.driverOpts ?? {}) },
    ipamDriver: spec.ipam?.driver ?? 'default',
    ipamOptions: { ...(spec.ipam?.options ?? {}) },
    created: Date.now(),
    ...(init.upstreams ? { upstreams: init.upstreams } : {}),
    members: {},
  };
}
