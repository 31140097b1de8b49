/** Engine-neutral names shared by every part of the Engine interface. */

export type EngineKind = 'docker' | 'embedded';

/** Label selector: a string value must match exactly; `true` means the label must exist. */
export type LabelFilter = Record<string, string | true>;

export interface EngineInfo {
  kind: EngineKind;
  /** Engine or API version, e.g. "20.10.24". */
  version: string;
  apiVersion?: string;
  os: string;
  arch: string;
  /** Where the engine was reached, e.g. "unix:///var/run/docker.sock" or the embedded data root. */
  endpoint: string;
  cpus?: number;
  memoryBytes?: number;
}
