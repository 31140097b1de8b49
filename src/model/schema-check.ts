/**
 * Schema validation of the merged tree, reported like the reference (`services.web additional properties 'foo'
 * not allowed`) with the place in the files where the offending value was written.
 */
import { InvalidFileError } from '../errors.js';
import { formatSchemaIssue, validateComposeTree } from './validate.js';
import type { LoadContext } from './loader-context.js';

export function checkSchema(tree: unknown, file: string, context: LoadContext): void {
  const issues = validateComposeTree(tree);
  const issue = issues[0];
  if (!issue) return;
  // an unknown key is best shown where it is written
  const unknown = /additional propert(?:y|ies) '([^']+)'/.exec(issue.message);
  const position =
    (unknown ? context.locator.locate([...issue.path, unknown[1] as string]) : undefined) ??
    context.locator.locate(issue.path);
  const message = formatSchemaIssue(issue);
  throw new InvalidFileError(position ? message : `validating ${file}: ${message}`, {
    position,
    hint: issues.length > 1 ? `and ${issues.length - 1} more problem(s); see the compose specification` : undefined,
  });
}
