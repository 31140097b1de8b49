/**
 * Splits a command string into words like a POSIX shell would, without expansion: what the reference does with
 * `command: npm run start` (single quotes are literal, double quotes group, a backslash escapes the next
 * character outside single quotes).
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let single = false;
  let double = false;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      current += ch;
      escaped = false;
      inWord = true;
      continue;
    }
    if (ch === '\\' && !single) {
      escaped = true;
      inWord = true;
      continue;
    }
    if (ch === "'" && !double) {
      single = !single;
      inWord = true;
      continue;
    }
    if (ch === '"' && !single) {
      double = !double;
      inWord = true;
      continue;
    }
    if (!single && !double && /\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (single || double || escaped) throw new Error(`invalid command line string: ${line}`);
  if (inWord) words.push(current);
  return words;
}
