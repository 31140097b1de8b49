/**
 * Adding labels to a Dockerfile as an instruction of its own, so that the classic builder caches them.
 *
 * The build API's `labels` parameter makes the classic builder append a `LABEL` step after the last instruction:
 * a container create and a commit that can never be cached once anything before it changed. The same labels as a
 * `LABEL` instruction inside the final stage give the same image config and are cached like any other step.
 *
 * Where it goes: right after the final stage's `FROM`. Anywhere later, the steps before it would be shared with
 * other builds of the same Dockerfile (another project, a plain `docker build`), and the classic builder, among
 * the cached children of an image that match a step, takes the newest: after another build made a newer copy of
 * such a step, the child with our labels is no longer found and every step after it runs again. Right after
 * `FROM`, the chain is the project's own from the base image on. (The price: steps of the final stage are not
 * shared across project names.)
 *
 * The file is read as the builder's parser reads it: parser directives (`# escape=`), line continuations with the
 * escape character, comment and empty lines inside continuations, instructions in any case, `FROM ... AS name`,
 * `ARG` before the first `FROM`. When the outcome could differ from the API parameter's, no rewrite is made and the
 * caller passes the labels to the API instead: a `LABEL` in the final stage that may set one of the same keys (the
 * API's labels win over the Dockerfile's), heredocs (not parsed here), a target stage that does not exist, or a
 * key or value that would need quoting.
 */

export interface LabelRewrite {
  /** The Dockerfile with the `LABEL` instruction added. */
  text: string;
  /** 0-based line of the added instruction in `text`. */
  line: number;
}

interface Instruction {
  keyword: string;
  /** The instruction's arguments, continuation lines joined, comments dropped. */
  args: string;
  /** First and last physical line (0-based). */
  first: number;
  last: number;
  /** Ends the file with a continuation still open: nothing can be added after it. */
  open: boolean;
}

interface Parsed {
  escape: string;
  instructions: Instruction[];
  heredoc: boolean;
}

/** Keys and values written without quoting concerns: no quote, escape character, `$` or white space. */
const PLAIN = /^[A-Za-z0-9._\-/:@+,=]*$/;
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC = /<<-?\s*["']?[A-Za-z_]/;

/**
 * The Dockerfile with `labels` added to the final stage (`target`, else the last), or undefined when that cannot
 * be done with the same result as the build API's `labels` parameter.
 */
export function addLabelInstruction(dockerfile: string, labels: Record<string, string>, target?: string): LabelRewrite | undefined {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return undefined;
  if (!entries.every(([key, value]) => key !== '' && PLAIN.test(key) && PLAIN.test(value))) return undefined;

  const parsed = parseDockerfile(dockerfile);
  if (parsed.heredoc) return undefined;
  const stage = finalStage(parsed.instructions, target);
  if (!stage) return undefined;
  const from = parsed.instructions[stage.from]!;
  const body = parsed.instructions.slice(stage.from + 1, stage.end);
  if (body.some((i) => i.keyword === 'LABEL' && mayReach(i.args, parsed.escape, entries.map(([key]) => key)))) return undefined;
  if (from.open) return undefined;

  const lines = dockerfile.split('\n');
  const insertAt = from.last + 1;
  // Keep the file's line ending; a last line without one gets one before the instruction goes after it.
  const eol = lines[0]?.endsWith('\r') ? '\r' : '';
  const instruction = `LABEL ${entries.map(([key, value]) => `"${key}"="${value}"`).join(' ')}${eol}`;
  if (insertAt >= lines.length || (insertAt === lines.length - 1 && lines[insertAt] === '')) {
    // At the end: after the last line, which may lack its newline.
    const trailing = lines.at(-1) === '' ? lines.slice(0, -1) : lines;
    return { text: `${[...trailing, instruction].join('\n')}\n`, line: trailing.length };
  }
  lines.splice(insertAt, 0, instruction);
  return { text: lines.join('\n'), line: insertAt };
}

/** Instructions of a Dockerfile with their lines, as the builder's parser splits them. */
function parseDockerfile(text: string): Parsed {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((line) => line.replace(/\r$/, ''));
  let escape = '\\';
  let directives = true;
  const instructions: Instruction[] = [];
  let heredoc = false;
  const isComment = (line: string): boolean => /^[ \t]*#/.test(line);
  const continued = (line: string): string | undefined => {
    const m = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`).exec(line);
    return m ? line.slice(0, m.index) : undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (directives) {
      const m = DIRECTIVE.exec(raw.trimStart());
      if (m && ['escape', 'syntax'].includes(m[1]!.toLowerCase())) {
        if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
        continue;
      }
      directives = false;
    }
    if (isComment(raw) || raw.trim() === '') continue;
    const first = i;
    const head = raw.trimStart();
    let rest = continued(head);
    let line = rest ?? head;
    // Comment and empty lines inside a continuation are skipped, as the builder does.
    while (rest !== undefined && i + 1 < lines.length) {
      const next = lines[++i]!;
      if (isComment(next) || next.trim() === '') continue;
      rest = continued(next);
      line += rest ?? next;
    }
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line);
    if (!m) continue;
    const instruction = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), first, last: i, open: rest !== undefined };
    if (HEREDOC.test(instruction.args) && ['RUN', 'COPY', 'ADD'].includes(instruction.keyword)) heredoc = true;
    instructions.push(instruction);
  }
  return { escape, instructions, heredoc };
}

/** The final stage: index of its FROM and the index after its last instruction. */
function finalStage(instructions: Instruction[], target: string | undefined): { from: number; end: number } | undefined {
  const froms = instructions.flatMap((instruction, index) => (instruction.keyword === 'FROM' ? [index] : []));
  if (froms.length === 0) return undefined;
  let pick = froms.length - 1;
  if (target !== undefined) {
    // Stage names are case-insensitive to the builder.
    pick = froms.findIndex((index) => stageName(instructions[index]!.args) === target.toLowerCase());
    if (pick === -1) return undefined;
  }
  return { from: froms[pick]!, end: froms[pick + 1] ?? instructions.length };
}

/** `[--platform=...] image [AS name]` → name, lower case. */
function stageName(args: string): string | undefined {
  const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
  return words.length === 3 && words[1]!.toLowerCase() === 'as' ? words[2]!.toLowerCase() : undefined;
}

/**
 * Whether a LABEL's arguments may set one of `keys`: a key written out (quotes and escapes aside), or any variable,
 * which could expand to one. Errs on the side of yes; a yes only means the labels go to the API as before.
 */
function mayReach(args: string, escape: string, keys: string[]): boolean {
  if (args.includes('$')) return true;
  const plain = args.split(escape).join('').replace(/["']/g, '');
  return keys.some((key) => plain.includes(key));
}
