import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Verdict } from '../../src/verdict.ts';

/** This package's folder, where src/main.ts is. */
export const packageDir = fileURLToPath(new URL('../..', import.meta.url));
/** The repository's root, where `pnpm conformance` is a script. */
export const rootDir = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * --timeout for the runs that must give no FAILED case: on a machine busy with other tests a
 * server can take longer than the default 5 s to answer. Only a broken server makes the checker
 * wait that long; the cases that wait for nothing to happen wait 1 s at most, whatever this is.
 */
export const LOADED = '20';

/** What `--json` writes. */
export interface JsonReport {
  cases: {
    id: string;
    section: string;
    title: string;
    verdict: Verdict;
    expected: string;
    actual: string;
  }[];
  totals: Record<Verdict, number> & { cases: number; seconds: number };
}

export interface Checked {
  status: number;
  stdout: string;
  stderr: string;
  report: JsonReport | undefined;
}

/** Runs the checker in this process, as `pnpm conformance <args>`, with its --json report. */
export async function check(args: string[]): Promise<Checked> {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-test-'));
  let stdout = '';
  let stderr = '';
  try {
    // The command runs where a client command would: this package's folder (`tsx` is found
    // from there).
    const status = await main([...args, '--json', join(dir, 'report.json')], {
      stdout: {
        write: (text) => {
          stdout += text;
        },
        isTTY: false,
      },
      stderr: {
        write: (text) => {
          stderr += text;
        },
        isTTY: false,
      },
      cwd: packageDir,
    });
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
    return { status, stdout, stderr, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ids of the cases with this verdict, with their titles and what happened (for messages). */
export function withVerdict(report: JsonReport | undefined, verdict: Verdict): string[] {
  return (report?.cases ?? [])
    .filter((result) => result.verdict === verdict)
    .map((result) => `${result.id} ${result.title}: ${result.actual}`);
}

/**
 * The checker caught a deliberately broken peer where it should: at least one case of `section`
 * FAILED, and one of them says what `says` matches.
 */
export function expectCaught(report: JsonReport | undefined, section: string, says: RegExp): void {
  const caught = (report?.cases ?? []).filter(
    (result) => result.verdict === 'FAILED' && result.section === section,
  );
  expect(caught.length, withVerdict(report, 'FAILED').join('\n')).toBeGreaterThan(0);
  expect(
    caught.some((result) => says.test(result.actual)),
    caught.map((result) => result.actual).join('\n'),
  ).toBe(true);
}

/**
 * A command that runs a TypeScript program of the repository, for `--client`: from this
 * package's folder, where `node --import tsx` finds tsx, whatever folder the checker runs in.
 */
export function tsxCommand(path: string, ...args: string[]): string {
  const quoted = [fileURLToPath(new URL(`../../../${path}`, import.meta.url)), ...args]
    .map((arg) => `'${arg}'`)
    .join(' ');
  return `cd '${packageDir}' && node --import tsx ${quoted} {url}`;
}
