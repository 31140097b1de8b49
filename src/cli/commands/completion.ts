import { Argument, type Command } from 'commander';

export function defineCompletion(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script: eval "$(flotilla completion bash)"')
    .addArgument(new Argument('<shell>', 'shell to complete for').choices(['bash', 'zsh']))
    .action(async (shell: 'bash' | 'zsh', _options: unknown, cmd: Command) => {
      const { runCompletion } = await import('../actions/completion.js');
      process.stdout.write(runCompletion(shell, cmd.parent ?? program));
    });
}
