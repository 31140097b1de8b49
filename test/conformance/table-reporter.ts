/**
 * Vitest reporter for `npm run conformance`: one table per family (template, dotenv, merge, normalize, loader,
 * ...) with passed/failed/skipped per vector file (every vector runs: a skip only comes from a filter such as
 * `-t`), failures by name, and a last line `N passed, M failed, K skipped`.
 */
import { basename } from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

interface Row {
  passed: number;
  failed: number;
  skipped: number;
}

interface Placement {
  family: string;
  file: string;
}

/** The nearest describe whose name has a `/` names the family and the vector file. */
export function placeOf(test: TestCase): Placement {
  let parent: TestCase['parent'] | TestSuite['parent'] = test.parent;
  while (parent && parent.type === 'suite') {
    const name = parent.name;
    const slash = name.indexOf('/');
    if (slash > 0) {
      if (name.startsWith('loader/normalize/')) return { family: 'normalize', file: name.slice('loader/normalize/'.length) };
      return { family: name.slice(0, slash), file: name.slice(slash + 1) };
    }
    parent = parent.parent;
  }
  const module = test.module.moduleId;
  return { family: basename(module).replace(/\.test\.[cm]?[jt]s$/, ''), file: '(other tests)' };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export default class TableReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const families = new Map<string, Map<string, Row>>();
    const skips: Array<{ family: string; file: string; name: string }> = [];
    const failures: Array<{ family: string; file: string; name: string; message: string }> = [];
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) {
        failed++;
        failures.push({ family: basename(module.moduleId), file: '(module)', name: 'could not load', message: module.errors()[0]?.message ?? '' });
      }
      for (const test of module.children.allTests()) {
        const { family, file } = placeOf(test);
        const rows = families.get(family) ?? new Map<string, Row>();
        families.set(family, rows);
        const row = rows.get(file) ?? { passed: 0, failed: 0, skipped: 0 };
        rows.set(file, row);
        const state = test.result().state;
        if (state === 'passed') {
          row.passed++;
          passed++;
        } else if (state === 'failed') {
          row.failed++;
          failed++;
          const error = test.result().errors?.[0];
          failures.push({ family, file, name: test.name, message: (error?.message ?? '').split('\n')[0] ?? '' });
        } else {
          row.skipped++;
          skipped++;
          skips.push({ family, file, name: test.name });
        }
      }
    }
    const out: string[] = [];
    for (const family of [...families.keys()].sort()) {
      const rows = families.get(family) as Map<string, Row>;
      const width = Math.max(12, ...[...rows.keys()].map((f) => f.length));
      out.push('', `${family}`, `  ${pad('vector file', width)}  ${pad('passed', 7, true)} ${pad('failed', 7, true)} ${pad('skipped', 8, true)}`);
      const total: Row = { passed: 0, failed: 0, skipped: 0 };
      for (const file of [...rows.keys()].sort()) {
        const r = rows.get(file) as Row;
        total.passed += r.passed;
        total.failed += r.failed;
        total.skipped += r.skipped;
        out.push(`  ${pad(file, width)}  ${pad(String(r.passed), 7, true)} ${pad(String(r.failed), 7, true)} ${pad(String(r.skipped), 8, true)}`);
      }
      out.push(`  ${pad('total', width)}  ${pad(String(total.passed), 7, true)} ${pad(String(total.failed), 7, true)} ${pad(String(total.skipped), 8, true)}`);
    }
    if (skips.length > 0) {
      out.push('', 'skipped:');
      for (const s of skips) out.push(`  ${s.family}/${s.file} ${s.name}`);
    }
    if (failures.length > 0) {
      out.push('', 'failed:');
      for (const f of failures) out.push(`  ${f.family}/${f.file} ${f.name}: ${f.message}`);
    }
    out.push('', `${passed} passed, ${failed} failed, ${skipped} skipped`);
    process.stdout.write(out.join('\n') + '\n');
  }
}
