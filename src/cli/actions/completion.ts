/**
 * Shell completion scripts generated from the commander program itself, so that every command and flag (those
 * of other engineers included) is completed without a list to keep in sync. Service names come from
 * `flotilla config --services` at completion time, when that command exists.
 */
import type { Command, Option } from 'commander';

interface CommandInfo {
  name: string;
  description: string;
  flags: FlagInfo[];
  takesServices: boolean;
}

interface FlagInfo {
  names: string[];
  description: string;
  takesValue: boolean;
  choices?: string[];
}

export function runCompletion(shell: 'bash' | 'zsh', program: Command): string {
  const programName = program.name();
  const globals = program.options.map(flagInfo);
  const commands = program.commands.map((c): CommandInfo => ({
    name: c.name(), description: c.description(), flags: c.options.map(flagInfo),
    takesServices: c.registeredArguments.some((a) => /service/.test(a.name())),
  }));
  const config = program.commands.find((c) => c.name() === 'config');
  const servicesCommand = config?.options.some((o) => o.long === '--services') ? `${programName} config --services` : '';
  return shell === 'bash' ? bashScript(programName, globals, commands, servicesCommand)
    : zshScript(programName, globals, commands, servicesCommand);
}

function flagInfo(option: Option): FlagInfo {
  return {
    names: [option.short, option.long].filter((n): n is string => typeof n === 'string'),
    description: option.description,
    takesValue: option.required || option.optional,
    ...(option.argChoices ? { choices: option.argChoices } : {}),
  };
}

/** Single-quoted for a shell. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function bashScript(name: string, globals: FlagInfo[], commands: CommandInfo[], servicesCommand: string): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const valued = [...globals, ...commands.flatMap((c) => c.flags)].filter((f) => f.takesValue).flatMap((f) => f.names);
  const choiceCases = [...globals, ...commands.flatMap((c) => c.flags)]
    .filter((f) => f.choices)
    .map((f) => `    ${f.names.join('|')}) COMPREPLY=($(compgen -W ${quote(f.choices!.join(' '))} -- "$cur")); return ;;`);
  const commandCases = commands.map((c) => {
    const words = c.flags.flatMap((f) => f.names).join(' ');
    const services = c.takesServices && servicesCommand ? ` $(${servicesCommand} 2>/dev/null)` : '';
    return `    ${c.name}) COMPREPLY=($(compgen -W "${words}${services}" -- "$cur")) ;;`;
  });
  return `# ${name} bash completion: eval "$(${name} completion bash)"
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i
  case "$prev" in
${[...new Set(choiceCases)].join('\n')}
    ${[...new Set(valued)].join('|') || '--'}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${globals.filter((f) => f.takesValue).flatMap((f) => f.names).join('|') || '--'}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$cmd" in
    "") COMPREPLY=($(compgen -W ${quote([...commands.map((c) => c.name), ...globals.flatMap((f) => f.names)].join(' '))} -- "$cur")) ;;
${commandCases.join('\n')}
  esac
}
complete -F ${fn} ${name}
`;
}

function zshScript(name: string, globals: FlagInfo[], commands: CommandInfo[], servicesCommand: string): string {
  const spec = (f: FlagInfo): string[] => {
    const value = f.takesValue ? (f.choices ? `:value:(${f.choices.join(' ')})` : ':value:_files') : '';
    const description = f.description.replace(/[[\]:]/g, ' ');
    return f.names.map((n) => quote(`${n}[${description}]${value}`));
  };
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const commandCases = commands.map((c) => {
    const services = c.takesServices && servicesCommand ? ` '*:service:(\${(f)"$(${servicesCommand} 2>/dev/null)"})'` : '';
    return `    ${c.name}) _arguments ${c.flags.flatMap(spec).join(' ')}${services} ;;`;
  });
  return `#compdef ${name}
# ${name} zsh completion: source <(${name} completion zsh)
${fn}() {
  local -a commands
  commands=(
${commands.map((c) => `    ${quote(`${c.name}:${c.description.replace(/:/g, ' ')}`)}`).join('\n')}
  )
  local state
  _arguments -C ${globals.flatMap(spec).join(' ')} '1:command:->command' '*::arg:->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $words[1] in
${commandCases.map((l) => `  ${l}`).join('\n')}
      esac ;;
  esac
}
compdef ${fn} ${name}
`;
}
