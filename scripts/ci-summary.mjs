#!/usr/bin/env node
// Reads vitest's JSON report and prints the one closing line CI reads: "N passed, N failed".
// Extra failed checks (typecheck, lint…) are added to the failed count. Exits 1 on any failure
// or when the report is missing (a run that never produced a report did not pass).
//
//   node scripts/ci-summary.mjs [REPORT] [EXTRA_FAILED] [--require-shared]
//
// --require-shared: the shared-data suite (files *.shared.test.ts, read from ../shared) must be in the
// report; a run without it counts one failure, so CI never passes on the default suite alone.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const requireShared = args.includes('--require-shared');
const [file = '.tmp/vitest-report.json', extra = '0'] = args.filter((a) => !a.startsWith('--'));
let extraFailed = Number.parseInt(extra, 10) || 0;
if (!existsSync(file)) {
  console.log(`vitest wrote no report at ${file}`);
  console.log(`0 passed, ${1 + extraFailed} failed`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
if (requireShared) {
  const shared = (report.testResults ?? []).filter((r) => /\.shared\.test\.[cm]?[jt]s$/.test(r.name ?? ''));
  if (shared.length === 0) {
    console.log(
      'shared-data suite did not run: no *.shared.test.ts in the report (is ../shared beside the repository?)',
    );
    extraFailed += 1;
  }
}
const passed = report.numPassedTests ?? 0;
// Suites that fail to load count as failures too: their tests never ran.
const brokenFiles = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
);
for (const r of brokenFiles) console.log(`test file failed to run: ${r.name}: ${(r.message ?? '').split('\n')[0]}`);
// Name every failed test with the first line of its failure, so the tail of a CI log says what broke.
// Control characters are stripped: failure messages can quote event text.
const oneLine = (text) =>
  String(text ?? '')
    .split('\n')[0]
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .slice(0, 300);
for (const file of report.testResults ?? []) {
  for (const t of file.assertionResults ?? []) {
    if (t.status !== 'failed') continue;
    console.log(
      `FAILED ${file.name.replace(`${process.cwd()}/`, '')} > ${t.fullName ?? t.title}: ${oneLine(t.failureMessages?.[0])}`,
    );
  }
}
const failed = (report.numFailedTests ?? 0) + brokenFiles.length + extraFailed;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// Skipped tests (a driver this Node lacks) are said on a line of their own: the last line is always
// exactly "N passed, N failed", the form the CI checker reads.
if (skipped) console.log(`${skipped} skipped (not counted)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
