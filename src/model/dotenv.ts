import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileNotFoundError, InvalidFileError } from '../errors.js';
import type { SourcePosition } from './tags.js';
import { substitute, type Lookup } from './template.js';

/**
 * `.env` files as the reference loader reads them (compose-go `dotenv`), plus the `raw` format of
 * `env_file` entries (the `docker run --env-file` syntax: no quotes, no interpolation).
 *
 * Variables maps have no prototype, so a key such as `constructor` or `__proto__` is an ordinary entry.
 */

export type EnvVars = Record<string, string>;

/** `dotenv` (the default): quotes, escapes, comments, interpolation. `raw`: `KEY=VALUE` lines taken as is. */
export type DotenvFormat = 'dotenv' | 'raw';

export interface ParseDotenvOptions {
  /** The outside environment: consulted first for `${VAR}` and for a bare `KEY` line. */
  lookup?: Lookup;
  /** Named in errors. */
  file?: string;
  format?: DotenvFormat;
  /** Variables read so far (updated in place); `${VAR}` falls back to them after `lookup`. */
  into?: EnvVars;
}

export function newEnvVars(): EnvVars {
  return Object.create(null) as EnvVars;
}

/** An env file that does not parse: the message, at a line of the file. */
export class DotenvSyntaxError extends InvalidFileError {
  constructor(message: string, position: SourcePosition, hint?: string) {
    super(message, { position, hint });
    this.name = 'DotenvSyntaxError';
  }
}

export function parseDotenv(text: string, options: ParseDotenvOptions = {}): EnvVars {
  const vars = options.into ?? newEnvVars();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const file = options.file ?? '(inline)';
  if (options.format === 'raw') new RawParser(source, file, vars, options.lookup).parse();
  else new DotenvParser(source, file, vars, options.lookup).parse();
  return vars;
}

/**
 * `${VAR}` / `$VAR` substitution in one value: the outside environment first, then the variables read
 * before it (so the shell can override what a file derives, as in the reference loader).
 */
export function expandDotenvValue(value: string, vars: EnvVars, lookup?: Lookup): string {
  return substitute(value, (name) => lookup?.(name) ?? (Object.hasOwn(vars, name) ? vars[name] : undefined)).value;
}

export interface ReadEnvFileOptions {
  format?: DotenvFormat;
  /** Leave out keys that start with a digit, which no shell accepts (godotenv `Read` does this). */
  skipDigitKeys?: boolean;
}

/** Reads one env file; `lookup` is the outside environment. */
export function readEnvFile(path: string, lookup?: Lookup, options: ReadEnvFileOptions = {}): EnvVars {
  const file = resolve(path);
  const vars = parseDotenv(readEnvText(file), { lookup, file, format: options.format });
  if (options.skipDigitKeys) {
    for (const key of Object.keys(vars)) if (/^\s*\d/.test(key)) delete vars[key];
  }
  return vars;
}

/**
 * Reads several env files in order into one map, later files overriding earlier ones. While a file is
 * read, variables resolve from `lookup` (the current environment) first, then from the map being built.
 */
export function readEnvFiles(paths: ReadonlyArray<string>, lookup?: Lookup, format?: DotenvFormat): EnvVars {
  const vars = newEnvVars();
  const combined: Lookup = (name) => lookup?.(name) ?? (Object.hasOwn(vars, name) ? vars[name] : undefined);
  for (const path of paths) {
    const file = resolve(path);
    parseDotenv(readEnvText(file), { lookup: combined, file, format, into: vars });
  }
  return vars;
}

function readEnvText(file: string): string {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch (error) {
    throw new FileNotFoundError(`couldn't find env file: ${file}`, {
      cause: error,
      hint: 'create it or fix the path given with --env-file or env_file',
    });
  }
  if (isDirectory) {
    throw new InvalidFileError(`${file} is a directory`, { hint: 'give the path of an env file' });
  }
  return readFileSync(file, 'utf8');
}

/** Offsets to 1-based line/column, for error positions. */
class Positions {
  private readonly lineStarts: number[] = [0];

  constructor(
    text: string,
    private readonly file: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  at(offset: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { file: this.file, line: low + 1, col: offset - this.lineStarts[low]! + 1 };
  }
}

/** Blanks that separate tokens on a line (a line break is not one of them). */
function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === '\u0085' || c === '\u00a0';
}

function isWhitespace(c: string): boolean {
  return c === '\n' || isBlank(c) || /\s/u.test(c);
}

const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;
const EXPORT = /^export[\t\n\f\r ]+/;
/** Escapes decoded in double quotes: C-style letters, `\$`, `\"`, `\\`, and octal written `\0NNN`. */
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
};

class DotenvParser {
  private readonly positions: Positions;
  private offset = 0;

  constructor(
    private readonly text: string,
    file: string,
    private readonly vars: EnvVars,
    private readonly lookup: Lookup | undefined,
  ) {
    this.positions = new Positions(text, file);
  }

  parse(): void {
    for (;;) {
      this.skipBlankAndComments();
      if (this.offset >= this.text.length) return;
      const start = this.offset;
      const { key, inherited } = this.readKey();
      if (key.includes(' ')) {
        throw new DotenvSyntaxError('key cannot contain a space', this.positions.at(start), 'write KEY=VALUE');
      }
      if (inherited) {
        const value = this.lookup?.(key);
        if (value !== undefined) this.vars[key] = value;
        continue;
      }
      this.vars[key] = this.readValue();
    }
  }

  private skipBlankAndComments(): void {
    const text = this.text;
    while (this.offset < text.length) {
      const c = text[this.offset]!;
      if (c === '#') {
        const end = text.indexOf('\n', this.offset);
        this.offset = end < 0 ? text.length : end;
      } else if (isWhitespace(c)) {
        this.offset++;
      } else {
        return;
      }
    }
  }

  /** The key up to `=`, `:` or the end of the line (a bare `KEY` takes its value from outside). */
  private readKey(): { key: string; inherited: boolean } {
    const text = this.text;
    const exported = EXPORT.exec(text.slice(this.offset, this.offset + 64));
    if (exported) {
      this.offset += 'export'.length;
      while (this.offset < text.length && isBlank(text[this.offset]!)) this.offset++;
    }
    const start = this.offset;
    for (const c of text.slice(start, this.lineEnd(start))) {
      if (c === '=' || c === ':') {
        const key = text.slice(start, this.offset).trimEnd();
        this.offset++;
        while (this.offset < text.length && isBlank(text[this.offset]!)) this.offset++;
        return { key, inherited: false };
      }
      if (!isBlank(c) && !KEY_CHAR.test(c)) {
        const line = text.slice(start, this.lineEnd(start));
        throw new DotenvSyntaxError(
          `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(line)}`,
          this.positions.at(this.offset),
          'names may contain letters, digits, _ . - [ ]',
        );
      }
      this.offset += c.length;
    }
    const key = text.slice(start, this.offset).trimEnd();
    if (this.offset < text.length) this.offset++;
    return { key, inherited: true };
  }

  private lineEnd(from: number): number {
    const end = this.text.indexOf('\n', from);
    return end < 0 ? this.text.length : end;
  }

  private readValue(): string {
    const text = this.text;
    const quote = text[this.offset];
    if (quote !== '"' && quote !== "'") {
      const start = this.offset;
      const end = this.lineEnd(start);
      this.offset = Math.min(end + 1, text.length);
      let value = text.slice(start, end);
      const comment = value.indexOf(' #');
      if (comment >= 0) value = value.slice(0, comment);
      return this.expand(value.replace(/\s+$/u, ''), start);
    }

    // Inside quotes a backslash escapes the quote; other escapes are kept for the double-quote decoding.
    const open = this.offset;
    let chars = '';
    let escaping = false;
    for (let i = open + 1; i < text.length; i++) {
      const c = text[i]!;
      if (c === quote && !escaping) {
        this.offset = i + 1;
        return quote === '"' ? this.expand(decodeEscapes(chars), open) : chars;
      }
      if (c === quote || c !== '\\' || escaping) {
        if (escaping && c !== quote) chars += '\\';
        chars += c;
        escaping = false;
      } else {
        escaping = true;
      }
    }
    throw new DotenvSyntaxError(
      `unterminated quoted value ${text.slice(open, this.lineEnd(open))}`,
      this.positions.at(open),
      `close the value with ${quote}`,
    );
  }

  private expand(value: string, at: number): string {
    try {
      return expandDotenvValue(value, this.vars, this.lookup);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DotenvSyntaxError(reason, this.positions.at(at), (error as { hint?: string }).hint);
    }
  }
}

function decodeEscapes(text: string): string {
  return text.replace(ESCAPE, (escape) => {
    const c = escape[1]!;
    // `\$` stays a literal dollar through interpolation.
    if (c === '$') return '$$';
    if (c !== '0') return SIMPLE_ESCAPES[c] ?? escape;
    // `\0NNN` is the octal byte NNN; anything shorter or out of range is kept as written.
    const digits = escape.slice(2);
    if (!/^[0-7]{3}$/.test(digits)) return escape;
    const code = parseInt(digits, 8);
    return code > 0xff ? escape : String.fromCodePoint(code);
  });
}

/** The `docker run --env-file` syntax: `KEY=VALUE` taken literally, a bare `KEY` from the lookup. */
class RawParser {
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly vars: EnvVars,
    private readonly lookup: Lookup | undefined,
  ) {}

  parse(): void {
    const lines = this.text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const raw = lines[index]!.replace(/\r$/, '');
      const line = raw.replace(/^\s+/u, '');
      if (line === '' || line.startsWith('#')) continue;
      const position = { file: this.file, line: index + 1, col: raw.length - line.length + 1 };
      const equals = line.indexOf('=');
      const key = equals < 0 ? line : line.slice(0, equals);
      if (key === '') {
        throw new DotenvSyntaxError(`no variable name on line '${line}'`, position, 'write KEY=VALUE');
      }
      if (/[ \t]/.test(key)) {
        throw new DotenvSyntaxError(`variable '${key}' contains whitespaces`, position, 'remove the blanks in the name');
      }
      if (equals >= 0) {
        this.vars[key] = line.slice(equals + 1);
      } else {
        const value = this.lookup?.(key);
        if (value !== undefined) this.vars[key] = value;
      }
    }
  }
}
