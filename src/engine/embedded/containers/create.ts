/**
 * Creating a container: its directory (the OCI bundle), the overlay root filesystem over the image layers,
 * mounts and volumes, its network namespace and endpoints, /etc files, and config.json. Nothing runs yet.
 * Caller holds the engine lock.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import { ConflictError, InvalidRequestError } from '../../errors.js';
import type { ContainerSpec } from '../../types.js';
import type { ImageStore } from '../images/store.js';
import { imageConfigView } from '../images/config.js';
import type { LayerCache } from '../images/layers.js';
import { mountOverlay, unmount } from '../runtime/overlay.js';
import { resolveInRoot } from '../runtime/rootpath.js';
import { buildOciConfig, effectiveCommand, mergeEnv } from '../runtime/spec.js';
import { resolveUser } from '../runtime/user.js';
import { normalizeSignal } from '../command.js';
import { writeJsonAtomic } from '../state/files.js';
import type { VolumeStore } from '../volumes.js';
import type { NetworkManager } from '../net/index.js';
import { writeEtcFiles } from './etc-files.js';
import { removeDefaultNetworkIfUnused, setUpNetwork, writeNetworkFiles, type NetworkSetup } from './networking.js';
import { resolveMounts } from './mounts.js';
import { initialState, type ContainerRecord } from './record.js';
import type { ContainerStore } from './store.js';
import { timed } from '../timing.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const INIT_CANDIDATES = ['/usr/bin/docker-init', '/usr/bin/tini-static', '/usr/libexec/podman/catatonit', '/usr/bin/catatonit'];

export interface CreateDeps {
  images: ImageStore;
  layers: LayerCache;
  layersDir: string;
  volumes: VolumeStore;
  containers: ContainerStore;
  cgroupParent: string;
  net: NetworkManager;
}

/** The lowerdirs of an image, unpacking any layer missing from the cache. */
export async function imageLowerDirs(deps: CreateDeps, layers: { digest: string; diffId: string }[]): Promise<string[]> {
  if (layers.length === 0) return [await deps.layers.emptyLayer()];
  const dirs: string[] = [];
  for (const layer of layers) dirs.push((await deps.layers.ensure(layer.diffId, deps.images.blobs.path(layer.digest))).dir);
  return dirs;
}

function networkWarnings(spec: ContainerSpec, setup: NetworkSetup): string[] {
  const mode = setup.network.mode;
  if (!spec.ports?.length || mode === 'bridge') return [];
  return [`published ports are ignored with network mode ${mode === 'container' ? spec.networkMode : mode}`];
}

export async function createContainer(deps: CreateDeps, spec: ContainerSpec): Promise<{ record: ContainerRecord; warnings: string[] }> {
  if (spec.name && !NAME.test(spec.name)) throw new InvalidRequestError(`invalid container name "${spec.name}"`);
  const id = randomBytes(32).toString('hex');
  const name = spec.name || `flotilla_${id.slice(0, 12)}`;
  if (await deps.containers.find(name)) {
    throw new ConflictError(`container name "${name}" is already in use`, 'container', name);
  }
  const image = await deps.images.get(spec.image);
  const imageConfig = imageConfigView(await deps.images.config(image));
  const files = deps.containers.files(id);
  await fs.mkdir(files.dir, { recursive: true, mode: 0o711 });
  let setup: NetworkSetup | undefined;
  try {
    const joinedHost = spec.networkMode === 'host';
    const sharedHostname = spec.networkMode?.startsWith('container:') ? (await deps.containers.find(spec.networkMode.slice(10)))?.config.hostname : undefined;
    const hostname = spec.hostname || sharedHostname || (joinedHost ? hostHostname() : id.slice(0, 12));
    // The namespace with its endpoints and the root filesystem do not depend on each other: made side by side.
    const [network, rootfs] = await Promise.allSettled([
      timed('create.network', () => setUpNetwork({ net: deps.net, containers: deps.containers }, { id, name, spec }, hostname)),
      timed('create.rootfs', async () => {
        const lowerDirs = await imageLowerDirs(deps, image.layers);
        await mountOverlay({ layersDir: deps.layersDir, lowerDirs, upper: files.upper, work: files.work, target: files.rootfs });
      }),
    ]);
    if (network.status === 'rejected') throw network.reason;
    setup = network.value;
    if (rootfs.status === 'rejected') throw rootfs.reason;
    const { hostNetwork, netnsPath } = setup;
    const warnings = networkWarnings(spec, setup);

    const userSpec = spec.user ?? imageConfig.user;
    const user = await resolveUser(files.rootfs, userSpec, spec.groupAdd);
    const command = effectiveCommand(spec, imageConfig);
    const args = [...(command.entrypoint ?? []), ...(command.cmd ?? [])];
    if (args.length === 0) throw new InvalidRequestError(`no command specified for container ${name}`);
    const env = mergeEnv(imageConfig.env, spec.env ?? [], { hostname, home: user.home });
    const cwd = spec.workingDir || imageConfig.workingDir || '/';
    if (!cwd.startsWith('/')) throw new InvalidRequestError(`working directory must be absolute: "${cwd}"`);
    // Docker creates a missing working directory.
    await fs.mkdir(await resolveInRoot(files.rootfs, cwd), { recursive: true });

    const mounts = await resolveMounts({
      spec,
      imageVolumes: imageConfig.volumes,
      rootfs: files.rootfs,
      volumes: deps.volumes,
      findContainer: (ref) => deps.containers.find(ref),
    });
    const bridged = setup.network.mode === 'bridge';
    const etcMounts = await writeEtcFiles(files, spec, hostname, hostNetwork, bridged ? [] : warnings);
    // Sharing another container's namespace means sharing its names and resolver too.
    const shared = setup.shareEtcOf ? deps.containers.files(setup.shareEtcOf.id) : undefined;
    if (shared) {
      const source: Record<string, string> = { '/etc/hosts': shared.hosts, '/etc/hostname': shared.hostname, '/etc/resolv.conf': shared.resolvConf };
      for (const m of etcMounts) m.source = source[m.destination] ?? m.source;
    }
    let initPath: string | undefined;
    if (spec.init) {
      initPath = INIT_CANDIDATES.find((p) => existsSync(p));
      if (!initPath) warnings.push('init: no docker-init, tini-static or catatonit on this host; running without an init');
    }
    const oci = await timed('create.config', async () => buildOciConfig({
      spec,
      args,
      env,
      cwd,
      hostname,
      user,
      mounts: [...etcMounts, ...mounts.oci],
      hostNetwork,
      ...(netnsPath ? { netnsPath } : {}),
      cgroupsPath: `${deps.cgroupParent}/${id}`,
      initPath,
    }));
    await writeJsonAtomic(files.ociConfig, oci);

    const stopSignal = normalizeSignal(spec.stopSignal ?? imageConfig.stopSignal ?? 'SIGTERM');
    if (!stopSignal) throw new InvalidRequestError(`invalid stop signal "${spec.stopSignal ?? imageConfig.stopSignal}"`);
    const healthcheck = spec.healthcheck ?? imageConfig.healthcheck;
    const record: ContainerRecord = {
      id,
      name,
      created: Date.now(),
      image: spec.image,
      imageId: image.id,
      layers: image.layers.map((l) => l.diffId),
      spec: { ...spec, labels: spec.labels ?? {} },
      config: {
        entrypoint: command.entrypoint,
        cmd: command.cmd,
        env,
        workingDir: cwd,
        user: userSpec,
        hostname,
        tty: spec.tty ?? false,
        openStdin: spec.stdinOpen ?? false,
        stopSignal,
        stopTimeoutSec: spec.stopTimeoutSec,
        exposedPorts: [...new Set([...imageConfig.exposedPorts, ...(spec.exposedPorts ?? [])])],
        ...(healthcheck && healthcheck.test[0] !== 'NONE' ? { healthcheck } : {}),
      },
      mounts: mounts.info,
      anonymousVolumes: mounts.anonymousVolumes,
      hostNetwork,
      network: setup.network,
      restartPolicy: spec.restartPolicy ?? { name: 'no' },
      stopSignal,
      stopTimeoutSec: spec.stopTimeoutSec ?? 10,
    };
    await timed('create.records', async () => {
      if (bridged) await writeNetworkFiles({ net: deps.net, containers: deps.containers }, record, files);
      await writeJsonAtomic(files.state, initialState());
      await deps.containers.save(record);
    });
    return { record, warnings };
  } catch (err) {
    // A network setup that failed half way may have left the namespace (and some endpoints) too.
    if (setup?.network.mode === 'bridge' || existsSync(`/run/netns/${deps.net.names.netns(id)}`)) {
      await deps.net.removeNetns(id).catch(() => undefined);
      await removeDefaultNetworkIfUnused(deps.net);
    }
    await unmount(files.rootfs).catch(() => undefined);
    await fs.rm(files.dir, { recursive: true, force: true });
    throw err;
  }
}
