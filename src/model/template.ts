import { InvalidFileError } from '../errors.js';
import { OverrideTag, ResetTag } from './tags.js';

/**
 * Variable substitution in compose values, with the semantics of the reference loader
 * (compose-go `template`): `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `${VAR:+alternative}`, `${VAR+alternative}`, `$$` for a literal `$`.
 * Defaults, alternatives and messages are themselves templates, so they nest.
 */

/** Resolves a variable: its value, or undefined when it is not set (an empty string is "set"). */
export type Lookup = (name: string) => string | undefined;

/** The operators of a braced reference, in the order the reference loader tries them on ties. */
export const OPERATORS = [':?', '?', ':-', '-', ':+', '+'] as const;
export type Operator = (typeof OPERATORS)[number];

/** A `${...}` or `$` that is not a valid reference, e.g. `${`, `${ foo}`, `${foo!}`. */
export class InvalidTemplateError extends InvalidFileError {
  /** The template the bad reference was found in (a nested default when the error is inside one). */
  readonly template: string;

  constructor(template: string) {
    super(`Invalid template: ${JSON.stringify(template)}`, { hint: 'escape a literal $ as $$' });
    this.name = 'InvalidTemplateError';
    this.template = template;
  }
}

/** `${VAR:?message}` or `${VAR?message}` met a variable without a (non-empty) value. */
export class MissingRequiredError extends InvalidFileError {
  readonly variable: string;
  readonly reason: string;

  constructor(variable: string, reason: string) {
    super(
      reason !== ''
        ? `required variable ${variable} is missing a value: ${reason}`
        : `required variable ${variable} is missing a value`,
      { hint: `set ${variable} in the environment or in the .env file` },
    );
    this.name = 'MissingRequiredError';
    this.variable = variable;
    this.reason = reason;
  }
}

export interface Substitution {
  value: string;
  /** Variables referenced without a default that were unset and became "" (each once, in order). */
  unset: string[];
}

/**
 * A reference at one `$`: `$$`, `$NAME`, `${NAME...}` (the braced body runs greedily to the last `}` on
 * the line, as the reference loader's pattern does), or `${` followed by anything else (invalid).
 */
const REFERENCE = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?][^\n]*)?)\}|()))/iy;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Substitutes every reference in `template`; throws InvalidTemplateError or MissingRequiredError. */
export function substitute(template: string, lookup: Lookup): Substitution {
  const unset: string[] = [];
  const value = substituteInto(template, lookup, unset);
  return { value, unset: [...new Set(unset)] };
}

function substituteInto(template: string, lookup: Lookup, unset: string[]): string {
  let dollar = template.indexOf('$');
  if (dollar < 0) return template;
  let out = '';
  let done = 0;
  while (dollar >= 0) {
    REFERENCE.lastIndex = dollar;
    const match = REFERENCE.exec(template);
    if (match === null) {
      dollar = template.indexOf('$', dollar + 1);
      continue;
    }
    out += template.slice(done, dollar) + replaceReference(match, template, lookup, unset);
    done = dollar + match[0].length;
    dollar = template.indexOf('$', done);
  }
  return out + template.slice(done);
}

function replaceReference(match: RegExpExecArray, template: string, lookup: Lookup, unset: string[]): string {
  if (match[1] !== undefined) return '$';
  if (match[2] !== undefined) return valueOf(match[2], lookup, unset);
  if (match[3] === undefined) throw new InvalidTemplateError(template);

  // The greedy body may span several references (`${A:-x} ${B}`): only the part up to the brace that
  // closes `${` belongs to this one, the rest is substituted on its own and appended.
  const whole = match[0];
  const close = closingBraceIndex(whole);
  const own = close >= 0 ? whole.slice(0, close + 1) : whole;
  const rest = close >= 0 ? whole.slice(close + 1) : '';
  const body = own.slice(2, -1);
  // The operator is the earliest one in the whole match, which is always the one right after the name.
  const operator = earliestOperator(whole);
  if (operator === undefined || !body.includes(operator)) return valueOf(body, lookup, unset);
  const applied = applyOperator(body, operator, lookup, unset);
  return applied + substituteInto(rest, lookup, unset);
}

function valueOf(name: string, lookup: Lookup, unset: string[]): string {
  const value = lookup(name);
  if (value === undefined) {
    unset.push(name);
    return '';
  }
  return value;
}

function applyOperator(body: string, operator: Operator, lookup: Lookup, unset: string[]): string {
  const at = body.indexOf(operator);
  const name = body.slice(0, at);
  const argument = body.slice(at + operator.length);
  const value = lookup(name);
  switch (operator) {
    case ':-':
      return value === undefined || value === '' ? substituteInto(argument, lookup, unset) : value;
    case '-':
      return value === undefined ? substituteInto(argument, lookup, unset) : value;
    case ':+':
      return value !== undefined && value !== '' ? substituteInto(argument, lookup, unset) : (value ?? '');
    case '+':
      return value !== undefined ? substituteInto(argument, lookup, unset) : '';
    case ':?':
    case '?':
      if (value === undefined || (operator === ':?' && value === '')) {
        throw new MissingRequiredError(name, substituteInto(argument, lookup, unset));
      }
      return value;
  }
}

/** The operator that applies to the text of a braced reference: the one that starts earliest. */
export function earliestOperator(text: string): Operator | undefined {
  let best: Operator | undefined;
  let bestAt = Infinity;
  for (const operator of OPERATORS) {
    const at = text.indexOf(operator);
    if (at >= 0 && at < bestAt) {
      best = operator;
      bestAt = at;
    }
  }
  return best;
}

/**
 * Index of the `}` that closes the first `{` of `text`, or -1. As in the reference loader, the character
 * right after each `{` is skipped, which keeps `${}` style text inside defaults balanced the same way.
 */
function closingBraceIndex(text: string): number {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7d /* } */) {
      open--;
      if (open === 0) return i;
    }
    if (c === 0x7b /* { */) {
      open++;
      i++;
    }
  }
  return -1;
}

/** A variable referenced by a compose file, as `config --variables` lists it. */
export interface VariableInfo {
  name: string;
  /** Given with `-` or `:-`. */
  defaultValue?: string;
  /** Given with `+` or `:+`. */
  presenceValue?: string;
  /** Referenced with `?` or `:?`. */
  required: boolean;
}

const ALL_REFERENCES = new RegExp(REFERENCE.source, 'gi');

/**
 * Every variable referenced in the string leaves of a tree (values, not keys), including those in
 * defaults and alternatives. A variable seen several times keeps its last reference.
 */
export function extractVariables(tree: unknown): Map<string, VariableInfo> {
  const found = new Map<string, VariableInfo>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      if (node.includes('$')) for (const variable of variablesIn(node)) found.set(variable.name, variable);
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node instanceof ResetTag || node instanceof OverrideTag) {
      visit(node.value);
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) visit((node as Record<string, unknown>)[key]);
    }
  };
  visit(tree);
  return found;
}

function variablesIn(text: string): VariableInfo[] {
  const variables: VariableInfo[] = [];
  for (const match of text.matchAll(ALL_REFERENCES)) {
    if (match[1] !== undefined) continue;
    let expression = match[2] ?? match[3] ?? '';
    if (match[2] === undefined) {
      const whole = match[0];
      const close = closingBraceIndex(whole);
      if (close > 0) {
        expression = whole.slice(2, close);
        variables.push(...variablesIn(whole.slice(close + 1)));
      }
    }
    let end = 0;
    while (end < expression.length && NAME_CHAR.test(expression[end]!)) end++;
    const name = expression.slice(0, end);
    if (name === '') continue;
    const variable: VariableInfo = { name, required: false };
    const operator = end < expression.length ? OPERATORS.find((op) => expression.startsWith(op, end)) : undefined;
    const argument = operator === undefined ? '' : expression.slice(end + operator.length);
    if (operator === ':?' || operator === '?') variable.required = true;
    else if (operator === ':-' || operator === '-') variable.defaultValue = argument;
    else if (operator === ':+' || operator === '+') variable.presenceValue = argument;
    variables.push(variable);
    if (argument !== '' && !variable.required) variables.push(...variablesIn(argument));
  }
  return variables;
}
