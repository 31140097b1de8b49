import { Option, type Command } from 'commander';
import { commandOptions } from '../options.js';

/** Options of `flotilla config`, as commander collects them. */
export interface ConfigCommandOptions {
  format: 'yaml' | 'json';
  output?: string;
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  models?: boolean;
  hash?: string;
  variables?: boolean;
  environment?: boolean;
  interpolate: boolean;
  normalize: boolean;
  pathResolution: boolean;
  consistency: boolean;
  envResolution: boolean;
}

export function defineConfig(program: Command): void {
  program
    .command('config')
    .alias('convert')
    .description('Parse, resolve and render the compose file in canonical format')
    .argument('[services...]', 'only these services (and what they depend on)')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <path>', 'save to this file instead of printing')
    .option('-q, --quiet', 'only validate the configuration, print nothing')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('--models', 'print the model names, one per line')
    .option('--hash <services>', 'print the service config hash, one per line ("*" for all)')
    .option('--variables', 'print the variables the files use, with their defaults')
    .option('--environment', 'print the variables interpolation used')
    .option('--no-interpolate', "don't interpolate environment variables")
    .option('--no-normalize', "don't normalize the compose model")
    .option('--no-path-resolution', "don't resolve file paths")
    .option('--no-consistency', "don't check model consistency (undefined references, cycles, ...)")
    .option('--no-env-resolution', "don't resolve service env files")
    .action(async (services: string[], _options: unknown, cmd: Command) => {
      const { runConfig } = await import('../actions/config.js');
      await runConfig(services, commandOptions<ConfigCommandOptions>(cmd));
    });
}
