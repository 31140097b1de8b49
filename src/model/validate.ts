/**
 * Validation of a merged raw compose tree against the compose-spec JSON schema (draft 2020-12, vendored in
 * schema/compose-spec.json), plus the few checks the schema cannot express but a person needs (the text of a
 * short port). Issues carry the tree path and a message without it; the loader adds file, line and column.
 *
 * Like the reference loader, only the most specific error is kept where the schema offers alternatives
 * (`oneOf`): the deepest failing place, an unknown key counting as deeper than a type error at the same place.
 * Independent failures (two bad services) each give one issue.
 */
import { createRequire } from 'node:module';
import type { TreePath } from './tags.js';
import { loadCompiledValidator } from './compiled-schema.js';
import { parsePortSpec } from './port-spec.js';

export interface SchemaIssue {
  path: TreePath;
  message: string;
}

/** An issue as the reference loader words it: `services.web additional properties 'foo' not allowed`. */
export function formatSchemaIssue(issue: SchemaIssue): string {
  const where = issue.path.join('.');
  return where === '' ? issue.message : `${where} ${issue.message}`;
}

/** Validates `tree` (plain data: interpolated, tags resolved, files merged). An empty list means valid. */
export function validateComposeTree(tree: unknown): SchemaIssue[] {
  const validate = schemaValidator();
  const issues = validate(tree) ? [] : schemaIssues(validate.errors ?? [], tree);
  return dedupe([...issues, ...portIssues(tree)]);
}

// ---------------------------------------------------------------------------------------------------------------
// The compiled schema

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

interface CompiledSchema {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

const require = createRequire(import.meta.url);
let compiled: CompiledSchema | undefined;

/**
 * The validator is compiled ahead of time (scripts/gen-schema-types.mjs writes schema/compose-spec.validate.cjs):
 * compiling the schema with ajv takes 200-500 ms, loading the compiled code about 10 ms. It is loaded on first
 * use only. Without the generated file (a checkout where it was not generated) the schema is compiled here.
 */
function schemaValidator(): CompiledSchema {
  if (compiled) return compiled;
  try {
    compiled = loadCompiledValidator() as CompiledSchema;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    compiled = compileSchema();
  }
  return compiled;
}

/** Compiles the schema at run time, with the options of the ahead-of-time build. */
export function compileSchema(): CompiledSchema {
  const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): CompiledSchema } })
    .default;
  const schema = require('../../schema/compose-spec.json') as object;
  return new Ajv2020({ allErrors: true, strict: false }).compile(schema);
}

// ---------------------------------------------------------------------------------------------------------------
// From ajv's flat error list to one issue per independent failure

interface ErrorNode {
  error: AjvError;
  depth: number;
  causes: ErrorNode[];
}

/**
 * ajv lists the errors of a `oneOf`'s branches just before the `oneOf` error itself. Those are gathered as its
 * causes (errors at or below its place; at its very place only those from its own branches), then each
 * remaining failure is reduced to its most specific cause.
 */
function schemaIssues(errors: AjvError[], tree: unknown): SchemaIssue[] {
  const pending: ErrorNode[] = [];
  for (const error of errors) {
    const node: ErrorNode = { error, depth: pointerSegments(error.instancePath).length, causes: [] };
    if (error.keyword === 'oneOf' && error.params['passingSchemas'] === null) {
      while (pending.length > 0 && isCauseOf(pending[pending.length - 1]!.error, error))
        node.causes.unshift(pending.pop()!);
    }
    pending.push(node);
  }
  const chosen = pending.map(mostSpecific);
  return mergeSamePlace(chosen).map((leaf) => toIssue(leaf, tree));
}

/**
 * Whether an error listed before a `oneOf` error belongs to one of its branches. Errors below its place do; at
 * its place, all but those of its sibling keywords (`#/…/type` next to `#/…/oneOf`). Branches that are `$ref`s
 * report schema paths inside the referenced definition, hence this test rather than a path prefix.
 */
function isCauseOf(candidate: AjvError, combinator: AjvError): boolean {
  const place = combinator.instancePath;
  if (candidate.instancePath !== place) return candidate.instancePath.startsWith(`${place}/`);
  const parent = combinator.schemaPath.slice(0, combinator.schemaPath.lastIndexOf('/'));
  const sibling =
    candidate.schemaPath.startsWith(`${parent}/`) && !candidate.schemaPath.slice(parent.length + 1).includes('/');
  return !sibling;
}

interface Leaf {
  error: AjvError;
  depth: number;
  /** Every type accepted at this place by the alternatives (a value matching none of them). */
  types?: string[];
  /** Types accepted by the other alternatives. */
  otherTypes?: string[];
}

function specificity(leaf: Leaf): number {
  return leaf.depth + (leaf.error.keyword === 'additionalProperties' ? 1 : 0);
}

function mostSpecific(node: ErrorNode): Leaf {
  if (node.causes.length === 0) return { error: node.error, depth: node.depth };
  const candidates = mergeSamePlace(node.causes.map(mostSpecific));
  let best = candidates[0]!;
  for (const c of candidates) if (specificity(c) > specificity(best)) best = c;
  if (best.error.keyword !== 'type') return best;
  // A value that is none of the accepted types: the first alternative is named as the reference names it, the
  // others follow in parentheses so the message still lists every accepted form.
  const first = best.types ?? typeList(best.error);
  const others = new Set<string>();
  for (const c of candidates) {
    if (c !== best && c.error.keyword === 'type' && c.error.instancePath === best.error.instancePath) {
      for (const t of c.types ?? typeList(c.error)) if (!first.includes(t)) others.add(t);
    }
  }
  return { ...best, types: first, otherTypes: [...others] };
}

/** Unknown keys (and missing ones) of one object are reported together, as one issue. */
function mergeSamePlace(leaves: Leaf[]): Leaf[] {
  const out: Leaf[] = [];
  const grouped = new Map<string, Leaf>();
  for (const leaf of leaves) {
    const { keyword, instancePath, schemaPath } = leaf.error;
    const listKey =
      keyword === 'additionalProperties' ? 'additionalProperty' : keyword === 'required' ? 'missingProperty' : null;
    if (listKey === null) {
      out.push(leaf);
      continue;
    }
    const key = `${keyword}\0${instancePath}\0${schemaPath}`;
    const existing = grouped.get(key);
    const names = (leaf.error.params['names'] as string[] | undefined) ?? [String(leaf.error.params[listKey])];
    if (existing) {
      const known = existing.error.params['names'] as string[];
      for (const name of names) if (!known.includes(name)) known.push(name);
    } else {
      const copy: Leaf = { ...leaf, error: { ...leaf.error, params: { ...leaf.error.params, names: [...names] } } };
      grouped.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

function toIssue(leaf: Leaf, tree: unknown): SchemaIssue {
  const path = treePath(leaf.error.instancePath, tree);
  return { path, message: describe(leaf, valueAt(tree, path)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Messages (worded as the reference loader's validator words them)

function describe(leaf: Leaf, value: unknown): string {
  const { keyword, params } = leaf.error;
  switch (keyword) {
    case 'type':
      return leaf.otherTypes?.length
        ? `must be a ${humanTypes(leaf.types ?? typeList(leaf.error))} (or ${humanTypes(leaf.otherTypes)})`
        : `must be a ${humanTypes(leaf.types ?? typeList(leaf.error))}`;
    case 'additionalProperties': {
      const names = params['names'] as string[];
      return `additional properties ${names.map(quote).join(', ')} not allowed`;
    }
    case 'required': {
      const names = params['names'] as string[];
      return names.length === 1
        ? `missing property ${quote(names[0]!)}`
        : `missing properties ${names.map(quote).join(', ')}`;
    }
    case 'enum': {
      const allowed = params['allowedValues'] as unknown[];
      return allowed.length === 1
        ? `value must be ${display(allowed[0])}`
        : `value must be one of ${allowed.map(display).join(', ')}`;
    }
    case 'const':
      return `value must be ${display(params['allowedValue'])}`;
    case 'pattern':
      return `${quote(String(value))} does not match pattern ${quote(String(params['pattern']))}`;
    case 'minimum':
      return `must be greater than or equal to ${String(params['limit'])}`;
    case 'maximum':
      return `must be less than or equal to ${String(params['limit'])}`;
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${keyword}: got ${String(value)}, want ${String(params['limit'])}`;
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties':
      return `${keyword}: got ${sizeOf(value)}, want ${String(params['limit'])}`;
    case 'uniqueItems': {
      const [a, b] = [Number(params['i']), Number(params['j'])].sort((x, y) => x - y);
      return `items at ${a} and ${b} are equal`;
    }
    case 'oneOf': {
      const passing = params['passingSchemas'];
      return Array.isArray(passing)
        ? `oneOf failed, subschemas ${passing.join(', ')} matched`
        : 'oneOf failed, none matched';
    }
    case 'propertyNames':
      return `invalid propertyName ${quote(String(params['propertyName']))}`;
    case 'false schema':
      return 'false schema';
    case 'not':
      return 'not failed';
    default:
      return leaf.error.message ?? `${keyword} failed`;
  }
}

function typeList(error: AjvError): string[] {
  const t = error.params['type'];
  return Array.isArray(t) ? t.map(String) : String(t).split(',');
}

/** `mapping`, `integer or string`, `boolean, null, number or string`. */
function humanTypes(types: string[]): string {
  const names = [...new Set(types.map((t) => (t === 'object' ? 'mapping' : t)))];
  if (names.length === 1) return names[0]!;
  names.sort();
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Go's %q, in single quotes. */
function quote(s: string): string {
  const q = JSON.stringify(s).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${q}'`;
}

function display(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return 'value';
  return String(v);
}

function sizeOf(value: unknown): number {
  if (Array.isArray(value) || typeof value === 'string') return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks beyond the schema

const PORT_SYNTAX = '[HOST:]CONTAINER[/PROTO]';

/** Short port strings: the schema accepts any string, the engine would reject them much later. */
function portIssues(tree: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const services = isRecord(tree) ? tree['services'] : undefined;
  if (!isRecord(services)) return issues;
  for (const [name, service] of Object.entries(services)) {
    const ports = isRecord(service) ? service['ports'] : undefined;
    if (!Array.isArray(ports)) continue;
    ports.forEach((port, i) => {
      // Left alone when interpolation was disabled: the variable decides.
      if (typeof port !== 'string' || port.includes('$')) return;
      try {
        parsePortSpec(port);
      } catch {
        issues.push({
          path: ['services', name, 'ports', i],
          message: `${JSON.stringify(port)} is not a valid port (expected ${PORT_SYNTAX})`,
        });
      }
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** A JSON pointer as a TreePath: sequence indexes become numbers, mapping keys stay strings (even `"0"`). */
function treePath(pointer: string, tree: unknown): TreePath {
  const out: Array<string | number> = [];
  let node = tree;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) {
      const index = Number(segment);
      out.push(index);
      node = node[index];
    } else {
      out.push(segment);
      node = isRecord(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    }
  }
  return out;
}

function valueAt(tree: unknown, path: TreePath): unknown {
  let node = tree;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && Object.hasOwn(node, segment)) node = node[segment as string];
    else return undefined;
  }
  return node;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify([issue.path, issue.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
