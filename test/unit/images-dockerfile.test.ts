import { describe, expect, it } from 'vitest';
import { addLabelInstruction } from '../../src/images/dockerfile.js';

const LABELS = { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'shop' };
const LABEL = 'LABEL "com.docker.compose.project"="shop" "com.docker.compose.service"="web"';

const add = (text: string, target?: string): string | undefined => addLabelInstruction(text, LABELS, target)?.text;

describe('labels as a Dockerfile instruction', () => {
  it('goes right after the final stage\'s FROM, keys sorted', () => {
    const text = 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]\n';
    const rewrite = addLabelInstruction(text, LABELS)!;
    expect(rewrite.text).toBe(`FROM node:20\n${LABEL}\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]\n`);
    expect(rewrite.line).toBe(1);
    expect(add('from busybox\n# a comment\nadd x /x\n')).toBe(`from busybox\n${LABEL}\n# a comment\nadd x /x\n`);
  });

  it('handles a FROM on the last line, with or without a final newline', () => {
    expect(add('FROM busybox\n')).toBe(`FROM busybox\n${LABEL}\n`);
    expect(add('FROM busybox')).toBe(`FROM busybox\n${LABEL}\n`);
  });

  it('picks the last stage, or the target stage by name in any case', () => {
    const text = [
      'ARG BASE=busybox', 'FROM ${BASE} AS build', 'COPY . /src', 'RUN make',
      'FROM --platform=$BUILDPLATFORM busybox as Runtime', 'RUN adduser app', 'COPY --from=build /src/out /app',
      'FROM runtime AS debug', 'RUN echo debug', '',
    ].join('\n');
    expect(add(text)).toBe(text.replace('FROM runtime AS debug\n', `FROM runtime AS debug\n${LABEL}\n`));
    expect(add(text, 'RUNTIME')).toBe(text.replace('as Runtime\n', `as Runtime\n${LABEL}\n`));
    expect(add(text, 'build')).toBe(text.replace('AS build\n', `AS build\n${LABEL}\n`));
    // A stage that does not exist: the builder's own error must come, not ours.
    expect(add(text, 'missing')).toBeUndefined();
  });

  it('reads line continuations with comment and empty lines inside them, and instructions in any case', () => {
    const text = [
      '# a comment', 'FROM busybox AS one', 'RUN echo one \\', '  # a comment inside the continuation', '', '  && echo two \\',
      '  FROM busybox is an argument here', 'from \\', '  busybox \\', '  # still the FROM', '  AS two', 'RUN true', '',
    ].join('\n');
    expect(add(text)).toBe(text.replace('  AS two\n', `  AS two\n${LABEL}\n`));
    expect(add(text, 'two')).toBe(add(text));
  });

  it('honours the escape directive, and only at the very top', () => {
    const text = '# escape=`\nFROM busybox\nRUN echo a `\n  FROM other\nRUN x\n';
    expect(add(text)).toBe(text.replace('FROM busybox\n', `FROM busybox\n${LABEL}\n`));
    // After an instruction or a blank line, "# escape=`" is a comment: the backslash stays the escape character.
    const late = 'FROM busybox\n# escape=`\nRUN echo a \\\n  FROM other\nRUN echo `\nFROM last\n';
    expect(add(late)).toBe(`${late}${LABEL}\n`);
    const blank = '\n# escape=`\nFROM busybox\nRUN echo `\nFROM last\nRUN x\n';
    expect(add(blank)).toBe(blank.replace('FROM last\n', `FROM last\n${LABEL}\n`));
  });

  it('keeps CRLF line endings and a byte-order mark', () => {
    expect(add('\uFEFFFROM busybox\r\nCOPY . .\r\n')).toBe(`\uFEFFFROM busybox\r\n${LABEL}\r\nCOPY . .\r\n`);
  });

  it('declines when the result could differ from the API parameter', () => {
    // A LABEL of the final stage that may set the same key (the API's labels win over the file's).
    expect(add('FROM busybox\nCOPY . .\nLABEL com.docker.compose.project=other\n')).toBeUndefined();
    expect(add('FROM busybox\nLABEL "com\\.docker.compose.service"=x\n')).toBeUndefined();
    expect(add('FROM busybox\nLABEL $KEY=x\n')).toBeUndefined();
    // Other keys, or the same key in an earlier stage, do not matter.
    expect(add('FROM busybox AS a\nLABEL com.docker.compose.project=a\nFROM a\nLABEL team=a\n')).toBeDefined();
    // Heredocs, no FROM, a continuation open at the end of the file, values that would need quoting.
    expect(add('FROM busybox\nRUN <<EOF\nFROM x\nEOF\n')).toBeUndefined();
    expect(add('# nothing\n')).toBeUndefined();
    expect(add('FROM busybox \\\n')).toBeUndefined();
    expect(addLabelInstruction('FROM busybox\n', { x: 'a b' })).toBeUndefined();
    expect(addLabelInstruction('FROM busybox\n', { x: '$HOME' })).toBeUndefined();
    expect(addLabelInstruction('FROM busybox\n', {})).toBeUndefined();
  });
});
