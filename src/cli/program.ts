/**
 * The command-line program: global flags and every command's definition. Each command's implementation is imported
 * when it runs, so start-up only pays for commander and the definitions.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { renderError } from './render-error.js';
import { readVersion } from './version.js';

function buildProgram(): Command {
  const program = new Command('flotilla')
    .description('Define and run multi-container applications from compose files')
    .version(readVersion(), '--version', 'print the version and exit')
    .option('-f, --file <path>', 'compose configuration file (repeatable)', collect, [])
    .option('-p, --project-name <name>', 'project name')
    .option('--project-directory <path>', 'alternate working directory (default: the directory of the first file)')
    .option('--env-file <path>', 'alternate environment file (repeatable)', collect, [])
    .option('--profile <name>', 'profile to enable (repeatable)', collect, [])
    .addOption(
      new Option('--engine <engine>', 'container engine').choices(['auto', 'docker', 'embedded']).env('FLOTILLA_ENGINE'),
    )
    .option('--parallel <n>', 'maximum number of engine calls at once (-1: unlimited)', parseIntOption)
    .addOption(
      new Option('--progress <mode>', 'progress output').choices(['auto', 'tty', 'plain', 'json', 'quiet', 'none']),
    )
    .addOption(new Option('--ansi <when>', 'control characters in output').choices(['never', 'always', 'auto']))
    .option('--dry-run', 'show what would change, change nothing')
    .option('--compatibility', 'use "_" as the container name separator, like docker-compose 1.x')
    .option('--verbose', 'show stack traces and debug output')
    .showHelpAfterError(false)
    .enablePositionalOptions(false)
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text) });
  registerCommands(program);
  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseIntOption(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isFinite(n)) throw new CommanderError(1, 'flotilla.invalidArgument', `not a number: ${value}`);
  return n;
}

export async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (or help/version); keep its exit code, 0 for --help/--version
      process.exitCode = error.exitCode === 0 ? 0 : 1;
      return;
    }
    const { text, exitCode } = renderError(error, verbose);
    process.stderr.write(text + '\n');
    process.exitCode = exitCode;
  }
}

