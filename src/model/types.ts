/**
 * The canonical project model: what a compose project means once loaded, merged, validated and normalized.
 *
 * Attribute names are the compose-spec ones (snake_case), so that `config` prints the model as it is, the spec text
 * documents it, and a path such as services.web.ports[0].published means the same thing everywhere. Every short
 * syntax is in long form. Units: durations are nanoseconds (`Nanoseconds`), sizes are bytes (`Bytes`), paths are
 * absolute. Optional attributes are absent when the file does not set them (no empty placeholders), which keeps
 * the service hash stable.
 */

export type Nanoseconds = number;
export type Bytes = number;

/** `x-*` keys, kept where the file put them; ignored by the engine and by the service hash. */
export type Extensions = Record<`x-${string}`, unknown>;

/** A loaded compose project: its name, directory, files, and its services and resources in canonical form. */
export interface Project {
  name: string;
  /** Absolute project directory. */
  working_dir: string;
  /** Absolute paths of the compose files, in load order (includes not listed). */
  compose_files: string[];
  services: Record<string, Service>;
  networks: Record<string, Network>;
  volumes: Record<string, Volume>;
  secrets: Record<string, Secret>;
  configs: Record<string, Config>;
  models?: Record<string, Model>;
  /** Services present in the files but disabled by profiles (kept: they are not orphans). */
  disabled_services: Record<string, Service>;
  /** Active profiles. */
  profiles: string[];
  /** The variables interpolation saw (process environment + env files), for `config --environment`. */
  environment: Record<string, string>;
  /** Top-level `x-*`. */
  extensions?: Extensions;
}

// ------------------------------------------------------------------------------------------------ service

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependencyCondition;
  /** Recreate/restart this service when the dependency is recreated or restarted. */
  restart: boolean;
  /** A missing or failing optional dependency is a warning, not an error. */
  required: boolean;
}

export interface ServicePort {
  name?: string;
  mode: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** Host port or range, as a string like the reference prints it ("8080", "8000-8010"); absent: ephemeral. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
}

export interface ServiceVolumeBind {
  propagation?: string;
  create_host_path?: boolean;
  selinux?: 'z' | 'Z';
  recursive?: 'enabled' | 'disabled' | 'writable' | 'readonly';
}

export interface ServiceVolume {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  /** Host path (bind, absolute), volume key of the project (volume; absent when anonymous), image ref (image). */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: ServiceVolumeBind;
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string> };
  tmpfs?: { size?: Bytes; mode?: number };
  image?: { subpath?: string };
  extensions?: Extensions;
}

export interface ServiceNetworkAttachment {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  driver_opts?: Record<string, string>;
  priority?: number;
  gw_priority?: number;
  interface_name?: string;
}

export interface Healthcheck {
  test?: string[];
  interval?: Nanoseconds;
  timeout?: Nanoseconds;
  retries?: number;
  start_period?: Nanoseconds;
  start_interval?: Nanoseconds;
  disable?: boolean;
}

export interface BuildConfig {
  /** Absolute directory, or a remote context (git URL) left as written. */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  ssh?: string[];
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  additional_contexts?: Record<string, string>;
  network?: string;
  pull?: boolean;
  target?: string;
  shm_size?: Bytes;
  extra_hosts?: string[];
  isolation?: string;
  privileged?: boolean;
  secrets?: ServiceSecretRef[];
  tags?: string[];
  ulimits?: Record<string, Ulimit>;
  platforms?: string[];
  entitlements?: string[];
  provenance?: string | boolean;
  sbom?: string | boolean;
  extensions?: Extensions;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface ServiceSecretRef {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface EnvFileRef {
  path: string;
  required: boolean;
  format?: string;
}

export interface Logging {
  driver?: string;
  options?: Record<string, string>;
}

export interface DeviceRequest {
  capabilities?: string[];
  count?: number | 'all';
  device_ids?: string[];
  driver?: string;
  options?: Record<string, string>;
}

export interface ResourceSpec {
  cpus?: number;
  memory?: Bytes;
  pids?: number;
  devices?: DeviceRequest[];
  generic_resources?: unknown[];
}

export interface Deploy {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  resources?: { limits?: ResourceSpec; reservations?: ResourceSpec };
  restart_policy?: { condition?: string; delay?: Nanoseconds; max_attempts?: number; window?: Nanoseconds };
  update_config?: Record<string, unknown>;
  rollback_config?: Record<string, unknown>;
  placement?: Record<string, unknown>;
  endpoint_mode?: string;
}

export interface ServiceHook {
  /** Absent for a pre_start hook that runs its image's default command. */
  command?: string[];
  /** pre_start only: the image to run (the service image when absent, after normalization). */
  image?: string;
  /** pre_start only: run once per replica rather than once per service. */
  per_replica?: boolean;
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
}

/** One service in canonical form (long syntax, absolute paths, ns durations, byte sizes). */
export interface Service {
  /** The key of the service in `services`. Not printed by `config` (it is the map key). */
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  /** Resolved container environment: env_file contents, then `environment`. null: declared without value. */
  environment: Record<string, string | null>;
  env_file?: EnvFileRef[];
  labels?: Record<string, string>;
  label_file?: string[];
  annotations?: Record<string, string>;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  user?: string;
  working_dir?: string;
  ports?: ServicePort[];
  expose?: string[];
  volumes?: ServiceVolume[];
  volumes_from?: string[];
  tmpfs?: string[];
  /** Network key → attachment options (null: defaults). Absent when network_mode is set. */
  networks?: Record<string, ServiceNetworkAttachment | null>;
  network_mode?: string;
  links?: string[];
  external_links?: string[];
  extra_hosts?: string[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  mac_address?: string;
  depends_on?: Record<string, ServiceDependency>;
  healthcheck?: Healthcheck;
  restart?: string;
  stop_signal?: string;
  stop_grace_period?: Nanoseconds;
  /** Replica count from `scale` or `deploy.replicas` (after --scale). Absent means 1. */
  scale?: number;
  deploy?: Deploy;
  profiles?: string[];
  pull_policy?: 'always' | 'never' | 'missing' | 'build' | 'daily' | 'weekly' | `every_${string}` | 'refresh';
  pull_refresh_after?: string;
  secrets?: ServiceSecretRef[];
  configs?: ServiceSecretRef[];
  logging?: Logging;
  privileged?: boolean;
  read_only?: boolean;
  init?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, Ulimit>;
  shm_size?: Bytes;
  mem_limit?: Bytes;
  mem_reservation?: Bytes;
  memswap_limit?: Bytes;
  mem_swappiness?: number;
  cpus?: number;
  cpu_shares?: number;
  cpu_quota?: number;
  cpu_period?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpuset?: string;
  cpu_count?: number;
  cpu_percent?: number;
  pids_limit?: number;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  devices?: { source: string; target: string; permissions?: string }[];
  device_cgroup_rules?: string[];
  group_add?: string[];
  ipc?: string;
  pid?: string;
  uts?: string;
  cgroup?: string;
  cgroup_parent?: string;
  userns_mode?: string;
  runtime?: string;
  isolation?: string;
  platform?: string;
  storage_opt?: Record<string, string>;
  blkio_config?: Record<string, unknown>;
  credential_spec?: Record<string, unknown>;
  gpus?: DeviceRequest[];
  attach?: boolean;
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  pre_start?: ServiceHook[];
  develop?: Record<string, unknown>;
  provider?: Record<string, unknown>;
  models?: Record<string, { endpoint_var?: string; model_var?: string } | null>;
  use_api_socket?: boolean;
  extensions?: Extensions;
}

// ------------------------------------------------------------------------------------------------ resources

export interface IpamConfig {
  subnet?: string;
  ip_range?: string;
  gateway?: string;
  aux_addresses?: Record<string, string>;
}

export interface Network {
  /** Engine-side name: `<project>_<key>` unless `name:` is set; the key itself when external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: IpamConfig[]; options?: Record<string, string> };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
  extensions?: Extensions;
}

export interface Volume {
  /** Engine-side name: `<project>_<key>` unless `name:` is set; the key itself when external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  extensions?: Extensions;
}

export interface Secret {
  name: string;
  /** Absolute path. */
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
  extensions?: Extensions;
}

export type Config = Secret;

export interface Model {
  name?: string;
  model: string;
  context_size?: number;
  runtime_flags?: string[];
  extensions?: Extensions;
}

/** The replica count of a service: `scale`, else `deploy.replicas`, else 1. */
export function serviceScale(service: Service): number {
  return service.scale ?? service.deploy?.replicas ?? 1;
}
