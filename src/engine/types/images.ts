/** Images as the Engine interface sees them: config, listing, pull, push and build options, and their progress. */
import type { HealthcheckSpec } from './containers.js';

export interface ImageConfig {
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  workingDir: string;
  user: string;
  exposedPorts: string[];
  volumes: string[];
  labels: Record<string, string>;
  healthcheck?: HealthcheckSpec;
  stopSignal?: string;
}

export interface ImageSummary {
  /** "sha256:..." */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  size: number;
  created: number;
}

export interface ImageDetails extends ImageSummary {
  config: ImageConfig;
  os: string;
  architecture: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** An identity token from `docker login` with a credential helper. */
  identityToken?: string;
  serveraddress?: string;
}

/** Progress of a pull, push or build, as it happens. */
export type ProgressEvent =
  | { kind: 'layer'; id: string; status: string; current?: number; total?: number }
  | { kind: 'status'; message: string }
  | { kind: 'step'; step: number; total?: number; instruction: string; cached: boolean }
  | { kind: 'output'; data: string }
  | { kind: 'done'; imageId?: string; digest?: string };

export interface PullOptions {
  auth?: RegistryAuth;
  platform?: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface BuildOptions {
  /** Tags to give the result ("name:tag"). */
  tags: string[];
  /** Path of the Dockerfile inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  cacheFrom?: string[];
  network?: string;
  shmSizeBytes?: number;
  extraHosts?: string[];
  platform?: string;
  auth?: Record<string, RegistryAuth>;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}
