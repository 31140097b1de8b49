/**
 * The command-line program: global flags and every command's definition. Each command's implementation is imported
 * when it runs, so start-up only pays for commander and the definitions.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { commandOptions } from './options.js';
import { renderError } from './render-error.js';
import { readVersion } from './version.js';

/** The global flags, as Docker Compose's: accepted before the command and, unless the command has a flag of the same
 * name (`rm -f`, `logs -f`, `run -p`), after it. */
function globalOptions(): Option[] {
  return [
    new Option('-f, --file <path>', 'compose configuration file (repeatable)').argParser(collect),
    new Option('-p, --project-name <name>', 'project name'),
    new Option('--project-directory <path>', 'alternate working directory (default: the directory of the first file)'),
    new Option('--env-file <path>', 'alternate environment file (repeatable)').argParser(collect),
    new Option('--profile <name>', 'profile to enable (repeatable)').argParser(collect),
    new Option('--engine <engine>', 'container engine').choices(['auto', 'docker', 'embedded']),
    new Option('--data-root <path>', 'state directory of the embedded engine (default /var/lib/flotilla)'),
    new Option('--parallel <n>', 'maximum number of engine calls at once (-1: unlimited)').argParser(parseIntOption),
    new Option('--progress <mode>', 'progress output').choices(['auto', 'tty', 'plain', 'json', 'quiet', 'none']),
    new Option('--ansi <when>', 'control characters in output').choices(['never', 'always', 'auto']),
    new Option('--dry-run', 'show what would change, change nothing'),
    new Option('--compatibility', 'use "_" as the container name separator, like docker-compose 1.x'),
    new Option('--verbose', 'show stack traces and debug output'),
  ];
}

function buildProgram(): Command {
  const program = new Command('flotilla')
    .description('Define and run multi-container applications from compose files')
    .version(readVersion(), '--version', 'print the version and exit')
    .showHelpAfterError(false)
    .enablePositionalOptions()
    .exitOverride();
  for (const option of globalOptions()) {
    if (option.long === '--engine') option.env('FLOTILLA_ENGINE');
    program.addOption(option);
  }
  program.configureOutput({ outputError: (text, write) => write(text) });
  // The embedded engine reads its data root from the environment, so that helper processes inherit it too.
  program.hook('preAction', (_program, action) => {
    const { dataRoot } = commandOptions(action);
    if (dataRoot) process.env.FLOTILLA_DATA_ROOT = dataRoot;
  });
  registerCommands(program);
  for (const command of program.commands) acceptGlobalsAfter(command);
  return program;
}

/** Hidden copies of the global flags on a command, for those it does not define itself. */
function acceptGlobalsAfter(command: Command): void {
  const taken = new Set<string>();
  for (const option of command.options) {
    if (option.short) taken.add(option.short);
    if (option.long) taken.add(option.long);
  }
  for (const option of globalOptions()) {
    if ((option.short && taken.has(option.short)) || (option.long && taken.has(option.long))) continue;
    command.addOption(option.hideHelp());
  }
  for (const sub of command.commands) acceptGlobalsAfter(sub);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
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

