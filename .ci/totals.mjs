// Adds up the test results of every workspace package (vitest's JSON reports) and prints
// "N passed, N failed" as the last line. A package whose report is missing counts as a failure:
// its tests did not run to the end.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The workspace packages, from pnpm-workspace.yaml ("- shared", "- exercises/part2/*").
const packages = readFileSync('pnpm-workspace.yaml', 'utf8')
  .split('\n')
  .flatMap((line) => {
    const pattern = /^\s*-\s*(\S+)/.exec(line)?.[1];
    if (!pattern) return [];
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(parent).map((name) => join(parent, name));
  })
  .filter((dir) => existsSync(join(dir, 'package.json')));

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const report = join(dir, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    console.log(`${manifest.name}: no test report (the tests did not finish)`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const notRun = results.numPendingTests + results.numTodoTests;
  console.log(
    `${manifest.name}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${notRun} skipped`,
  );
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += notRun;
  // A test file that fails to load has no tests in the counts; count it as a failure.
  for (const file of results.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      console.log(`${manifest.name}: ${file.name} failed to run: ${file.message ?? ''}`);
      failed += 1;
    }
  }
}
if (skipped > 0) console.log(`${skipped} skipped (not counted as passed)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
