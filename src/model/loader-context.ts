/**
 * What one load carries through its stages: the options of the reference loader, where files are read from,
 * the positions of every parsed document and the warnings sink.
 */
import type { SourceLocator } from './source-locator.js';
import type { ParsedDocument } from './yaml.js';

export type Env = Readonly<Record<string, string>>;

/** A compose file given to the loader: read from disk when `content` is absent. */
export interface ConfigFile {
  /** Path (relative to the loader's directory) or a display name for inline content ("-", "(inline)"). */
  filename: string;
  content?: string;
}

/** What to load: the reference's ConfigDetails. */
export interface ConfigDetails {
  /** Project directory; may be relative (then relative paths in the result stay relative), or '' when unknown. */
  workingDir: string;
  configFiles: ConfigFile[];
  /** The variables for interpolation and environment resolution. */
  environment: Env;
}

export interface ModelOptions {
  skipValidation?: boolean;
  skipInterpolation?: boolean;
  skipNormalization?: boolean;
  /** Make relative paths absolute against the working directory (default true). */
  resolvePaths?: boolean;
  skipConsistencyCheck?: boolean;
  skipExtends?: boolean;
  skipInclude?: boolean;
  /** Keep `environment` as written: no env_file contents, bare names left unresolved. */
  skipResolveEnvironment?: boolean;
  skipDefaultValues?: boolean;
  /** Drop `env_file` once its contents are in `environment` (what Docker Compose's CLI does). */
  discardEnvFiles?: boolean;
  projectName?: string;
  /** The name was given by the caller (-p, COMPOSE_PROJECT_NAME): it wins over `name:` and must be valid. */
  projectNameImperativelySet?: boolean;
  profiles?: string[];
  /** Services named on the command line: they are enabled along with their profiles. */
  selectedServices?: string[];
  /** Keep !reset/!override tags in the loaded tree (a file read as the base of `extends`). */
  keepTags?: boolean;
  /** Directory relative file names are read from (default: process.cwd()). */
  cwd?: string;
  /** Receives each warning once. */
  warnings?: (message: string) => void;
  /** Observes loader events ("extends", "include"), as the reference's listeners. */
  onEvent?: (event: 'extends' | 'include', detail: Record<string, unknown>) => void;
}

export interface LoadContext {
  options: ModelOptions;
  /** Parses a file's text once per load (the project name is read before the full load). */
  parse(text: string, filename: string): ParsedDocument[];
  cwd: string;
  locator: SourceLocator;
  warn(message: string): void;
}
