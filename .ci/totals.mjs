// Adds up the test results of every workspace package (vitest's JSON reports) and prints
// "N passed, N failed, N skipped" as the last line; exits 1 if anything failed.
//
// Failed, each with one line saying why:
// - a failed test;
// - a test file that failed outside its tests (an import error, a hook such as afterAll that
//   threw), or a report that says `success: false` with no failed test in it;
// - a package with a test script and no report: its tests did not run to the end;
// - a package whose vitest exited with an error although its report shows none (an unhandled
//   error after the tests), when the turbo run left its summary (TURBO_RUN_SUMMARY, as .ci/run
//   sets it) in .turbo/runs;
// - in CI (CI set), any skipped test: CI is there to run every test, and a skipped test is not
//   a pass.
//
// `node .ci/totals.mjs --clean` removes every package's report instead, before a run: an old
// report must never be added in.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// The workspace packages: the list under "packages:" in pnpm-workspace.yaml ("- shared",
// "- exercises/part2/*").
const workspace = readFileSync('pnpm-workspace.yaml', 'utf8');
const list = /^packages:\n((?:[ \t]+-.*\n?)+)/m.exec(workspace)?.[1] ?? '';
const packages = [...list.matchAll(/-\s*["']?([^\s"']+)/g)]
  .flatMap(([, pattern]) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(parent).map((name) => join(parent, name));
  })
  .filter((dir) => existsSync(join(dir, 'package.json')));

if (process.argv.includes('--clean')) {
  for (const dir of packages) rmSync(join(dir, 'test-results'), { recursive: true, force: true });
  process.exit(0);
}

/**
 * The exit code of each package's test task in the last turbo run summary, if there is one and
 * it is from the run that wrote the reports: turbo writes it after every task, so a report newer
 * than the summary belongs to a later run.
 */
function testExitCodes() {
  const runs = '.turbo/runs';
  if (!existsSync(runs)) return new Map();
  const newest = readdirSync(runs)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(runs, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return new Map();
  const reports = packages
    .map((dir) => join(dir, 'test-results', 'vitest.json'))
    .filter((report) => existsSync(report));
  if (reports.some((report) => statSync(report).mtimeMs > statSync(newest).mtimeMs)) {
    return new Map();
  }
  const summary = JSON.parse(readFileSync(newest, 'utf8'));
  return new Map(
    (summary.tasks ?? [])
      .filter((task) => task.task === 'test' && task.execution)
      .map((task) => [task.package, task.execution.exitCode]),
  );
}
const exitCodes = testExitCodes();

const firstLine = (text) => String(text ?? '').split('\n')[0];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const report = join(dir, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    console.log(`${manifest.name}: no test report (the tests did not run to the end)`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(report, 'utf8'));
  const notRun = results.numPendingTests + results.numTodoTests;
  console.log(
    `${manifest.name}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${notRun} skipped`,
  );
  let failures = results.numFailedTests;
  // A file can fail outside its tests: it did not load, or a hook threw. Its tests may all have
  // passed (an afterAll runs after them), so the counts above do not show it.
  for (const file of results.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    if (file.status === 'failed' && failedTests.length === 0) {
      console.log(
        `${manifest.name}: ${relative(resolve(dir), file.name)} failed outside its tests: ${firstLine(file.message)}`,
      );
      failures += 1;
    }
  }
  if (results.success === false && failures === 0) {
    console.log(`${manifest.name}: vitest reports a failure that no test or file shows`);
    failures += 1;
  }
  const exitCode = exitCodes.get(manifest.name);
  if (exitCode !== undefined && exitCode !== 0 && failures === 0) {
    console.log(
      `${manifest.name}: vitest exited with code ${exitCode} although its report shows no failure (an error outside the tests: see its output)`,
    );
    failures += 1;
  }
  passed += results.numPassedTests;
  failed += failures;
  skipped += notRun;
}
if (process.env.CI && skipped > 0) {
  console.log(
    `${skipped} skipped: CI is there to run every test, and a skipped test is not a pass`,
  );
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || (process.env.CI && skipped > 0) ? 1 : 0);
