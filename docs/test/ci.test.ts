// The CI scripts, tried on real runs: turbo must not replay a pass whose inputs changed, and
// .ci/totals.mjs must count every way a package's tests can fail or not run.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { read, root } from './markdown.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new folder in the system's temporary folder, removed after the tests. */
function temporary(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  made.push(dir);
  return dir;
}

/**
 * The environment of a program these tests start: this one's, without what vitest set for its
 * own run (a vitest started inside would think it is one of this run's workers) and with `CI` as
 * the test says.
 */
function environment(ci: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VITEST') && name !== 'NODE_ENV' && name !== 'CI') env[name] = value;
  }
  if (ci) env.CI = 'true';
  return env;
}

const output = (run: SpawnSyncReturns<string>) => `${run.stdout}${run.stderr}`;

describe('turbo', () => {
  /**
   * A copy of the repository as it is now (what git tracks, and new files it does not ignore),
   * sharing this checkout's node_modules. This file is one trivial test there: the docs tests
   * run in the copy, and must not start these again.
   */
  function copyOfRepository(): string {
    const copy = temporary('repository');
    const files = spawnSync(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    ).stdout.split('\0');
    for (const file of files) {
      if (file === '' || !existsSync(join(root, file))) continue;
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(root, file), join(copy, file));
    }
    writeFileSync(
      join(copy, 'docs/test/ci.test.ts'),
      "import { it } from 'vitest';\nit('is in a copy of the repository', () => {});\n",
    );
    // Every exercise's too: the docs tests run each one's --help.
    const exercises = readdirSync(join(copy, 'exercises/part2')).map(
      (name) => `exercises/part2/${name}`,
    );
    for (const dir of ['', 'shared', 'support', 'docs', 'bench', ...exercises]) {
      symlinkSync(join(root, dir, 'node_modules'), join(copy, dir, 'node_modules'));
    }
    return copy;
  }

  /** `pnpm test` (the root script: turbo), for the docs package only. */
  function pnpmTest(copy: string): SpawnSyncReturns<string> {
    const [command = '', ...args] = JSON.parse(read('package.json')).scripts.test.split(' ');
    return spawnSync(join(copy, 'node_modules/.bin', command), [...args, '--filter=docs'], {
      cwd: copy,
      encoding: 'utf8',
      env: environment(false),
    });
  }

  it('runs the docs tests again after a cached run when an exercise README changed', () => {
    const copy = copyOfRepository();
    const first = pnpmTest(copy);
    expect(first.status, output(first)).toBe(0);
    appendFileSync(
      join(copy, 'exercises/part2/12-websocket-client/README.md'),
      '\nA [broken link](nowhere.md).\n',
    );
    const second = pnpmTest(copy);
    expect(output(second)).toContain('nowhere.md');
    expect(second.status).not.toBe(0);
  }, 120_000);
});

describe('.ci/totals.mjs', () => {
  const vitest = join(root, 'docs/node_modules/vitest/vitest.mjs');

  /**
   * A workspace of packages whose tests are `tests` (a test file's source each), each run by
   * vitest as the repository runs them (a JSON report in test-results/), unless `run` is false.
   */
  function workspace(packages: Record<string, string | undefined>): string {
    const dir = temporary('workspace');
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    for (const [name, test] of Object.entries(packages)) {
      const packageDir = join(dir, 'packages', name);
      mkdirSync(join(packageDir, 'test'), { recursive: true });
      writeFileSync(
        join(packageDir, 'package.json'),
        JSON.stringify({ name, scripts: { test: 'vitest run' } }),
      );
      writeFileSync(
        join(packageDir, 'vitest.config.mjs'),
        "export default { test: { include: ['test/**/*.test.mjs'], reporters: ['json'], " +
          "outputFile: { json: 'test-results/vitest.json' } } };\n",
      );
      symlinkSync(join(root, 'docs/node_modules'), join(packageDir, 'node_modules'));
      if (test === undefined) continue;
      writeFileSync(join(packageDir, 'test/it.test.mjs'), test);
      spawnSync(process.execPath, [vitest, 'run'], { cwd: packageDir, env: environment(false) });
    }
    return dir;
  }

  function totals(dir: string, options: { ci?: boolean; clean?: boolean } = {}) {
    const run = spawnSync(
      process.execPath,
      [join(root, '.ci/totals.mjs'), ...(options.clean ? ['--clean'] : [])],
      { cwd: dir, encoding: 'utf8', env: environment(options.ci ?? false) },
    );
    const lines = output(run).trim().split('\n');
    return { status: run.status, lines, last: lines.at(-1) };
  }

  const passing = "import { it } from 'vitest';\nit('passes', () => {});\n";

  it('counts a test file whose afterAll throws as failed, though its tests passed', () => {
    const dir = workspace({
      good: passing,
      broken:
        "import { afterAll, it } from 'vitest';\n" +
        "afterAll(() => { throw new Error('afterAll broke'); });\nit('passes', () => {});\n",
    });
    const result = totals(dir);
    expect(result.lines).toContain(
      'broken: test/it.test.mjs failed outside its tests: afterAll broke',
    );
    expect(result.last).toBe('2 passed, 1 failed, 0 skipped');
    expect(result.status).toBe(1);
  });

  it('counts a test file that cannot be imported as failed', () => {
    const result = totals(workspace({ broken: `import './missing.mjs';\n${passing}` }));
    expect(
      result.lines.some((line) => line.startsWith('broken: test/it.test.mjs failed outside')),
    ).toBe(true);
    expect(result.last).toBe('0 passed, 1 failed, 0 skipped');
    expect(result.status).toBe(1);
  });

  it('counts a package with tests and no report as failed', () => {
    const result = totals(workspace({ good: passing, silent: undefined }));
    expect(result.lines).toContain('silent: no test report (the tests did not run to the end)');
    expect(result.last).toBe('1 passed, 1 failed, 0 skipped');
    expect(result.status).toBe(1);
  });

  it('counts a package whose vitest exited with an error that its report does not show', () => {
    const dir = workspace({ good: passing });
    // What turbo writes with TURBO_RUN_SUMMARY=true (as .ci/run sets it): each task's exit code.
    mkdirSync(join(dir, '.turbo/runs'), { recursive: true });
    const task = { task: 'test', package: 'good', execution: { exitCode: 1 } };
    writeFileSync(join(dir, '.turbo/runs/run.json'), JSON.stringify({ tasks: [task] }));
    const result = totals(dir);
    expect(result.lines.some((line) => line.startsWith('good: vitest exited with code 1'))).toBe(
      true,
    );
    expect(result.last).toBe('1 passed, 1 failed, 0 skipped');
    // A report written after the summary comes from a later run: that summary is not its own.
    const report = join(dir, 'packages/good/test-results/vitest.json');
    const later = new Date(Date.now() + 60_000);
    utimesSync(report, later, later);
    expect(totals(dir).last).toBe('1 passed, 0 failed, 0 skipped');
  });

  it('counts skipped tests apart from passed ones, and fails on them in CI only', () => {
    const dir = workspace({
      some: "import { it } from 'vitest';\nit('passes', () => {});\nit.skip('skipped', () => {});\n",
    });
    const here = totals(dir);
    expect(here.last).toBe('1 passed, 0 failed, 1 skipped');
    expect(here.status).toBe(0);
    const ci = totals(dir, { ci: true });
    expect(ci.lines).toContain(
      '1 skipped: CI is there to run every test, and a skipped test is not a pass',
    );
    expect(ci.status).toBe(1);
  });

  it("with --clean, removes every package's report before a run", () => {
    const dir = workspace({ one: passing, two: passing });
    const reports = ['one', 'two'].map((name) => join(dir, 'packages', name, 'test-results'));
    expect(reports.every((report) => existsSync(report))).toBe(true);
    expect(totals(dir, { clean: true }).status).toBe(0);
    expect(reports.some((report) => existsSync(report))).toBe(false);
  });

  it('cleans before the test command in .ci/run, which asks turbo for its summary', () => {
    const run = read('.ci/run');
    const clean = run.indexOf('node .ci/totals.mjs --clean');
    expect(clean).toBeGreaterThan(0);
    expect(clean).toBeLessThan(run.search(/pnpm@[\d.]+ test'/));
    expect(run).toContain('export TURBO_RUN_SUMMARY=true');
  });
});
