/**
 * What the checker writes: the console report (progress, a summary per section, each FAILED
 * case in plain words with its bytes, the total line), --json in the issue's shape, and --junit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Checked, check } from './support/check.ts';
import { type ReferenceServer, startReferenceServer } from './support/reference-server.ts';

let server: ReferenceServer;
let run: Checked;
let junit: string;
const dir = mkdtempSync(join(tmpdir(), 'conformance-reports-'));

beforeAll(async () => {
  // A server whose pongs are empty: the ping cases fail, the others pass.
  server = await startReferenceServer('empty-pong');
  const file = join(dir, 'junit.xml');
  run = await check([server.url, '--cases', '5.5.2,5.5.3,7.4.1', '--junit', file]);
  junit = readFileSync(file, 'utf8');
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console', () => {
  it('shows progress as case N of M', () => {
    expect(run.stderr).toMatch(
      /^Checking ws:\/\/127\.0\.0\.1:\d+\/ws as an echo server: \d+ cases$/m,
    );
    const total = run.report?.totals.cases;
    expect(run.stderr).toContain(`case ${total} of ${total}`);
  });

  it('sums up each section, then ends with the total line', () => {
    expect(run.stdout).toMatch(/^ {2}5\.5\.2 Ping +\d+: \d+ OK, \d+ FAILED$/m);
    expect(run.stdout).toMatch(/^ {2}7\.4\.1 Defined status codes +15: 15 OK$/m);
    const { totals } = run.report!;
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `${totals.cases} cases in ${totals.seconds.toFixed(1)} s: ${totals.OK} OK, 0 NON-STRICT, 0 INFORMATIONAL, 0 UNIMPLEMENTED, ${totals.FAILED} FAILED`,
    );
  });

  it('tells a FAILED case in plain words: the rule, expected and actual, the bytes, the lesson', () => {
    const block = run.stdout.slice(run.stdout.indexOf('FAILED 5.5.2/2 '));
    expect(block).toMatch(/^FAILED 5\.5\.2\/2 {2}a ping with the payload "Hello", in one write$/m);
    expect(block).toMatch(
      /^ {2}The rule \(5\.5\.2 Ping\): "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame/m,
    );
    expect(block).toMatch(/^ {2}Expected: a pong with the ping's 5 bytes$/m);
    expect(block).toMatch(
      /^ {2}Actual: {3}a pong with other bytes .*sent 48 65 6c 6c 6f, got nothing/m,
    );
    // The ping as sent, masked, in hex, and the empty pong that came back.
    expect(block).toMatch(/-> ping FIN=1 RSV=000 MASK=1 len=5 "Hello"\n +89 85( [0-9a-f]{2}){9}\n/);
    expect(block).toMatch(/<- pong FIN=1 RSV=000 MASK=0 len=0\n +8a 00\n/);
    expect(block).toMatch(
      /^ {2}Where the lesson explains it: exercises\/part2\/12-websocket-native-server\/README\.md#4-fragments-and-control-frames-between-them$/m,
    );
  });
});

describe('--json', () => {
  it('has the shape the issue fixes: cases with six fields, and totals', () => {
    const report = run.report!;
    expect(Object.keys(report)).toEqual(['cases', 'totals']);
    for (const result of report.cases) {
      expect(Object.keys(result)).toEqual([
        'id',
        'section',
        'title',
        'verdict',
        'expected',
        'actual',
      ]);
      expect(['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED']).toContain(
        result.verdict,
      );
    }
    const { totals } = report;
    expect(Object.keys(totals).sort()).toEqual(
      ['FAILED', 'INFORMATIONAL', 'NON-STRICT', 'OK', 'UNIMPLEMENTED', 'cases', 'seconds'].sort(),
    );
    expect(
      totals.OK +
        totals['NON-STRICT'] +
        totals.INFORMATIONAL +
        totals.UNIMPLEMENTED +
        totals.FAILED,
    ).toBe(totals.cases);
    expect(totals.FAILED).toBeGreaterThan(0);
    expect(report.cases.find((result) => result.id === '5.5.2/2')?.section).toBe('5.5.2');
  });
});

describe('--junit', () => {
  it('has one test suite per section and one test case per case, FAILED ones as failures', () => {
    const { totals, cases } = run.report!;
    expect(junit).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(junit).toContain(`tests="${totals.cases}" failures="${totals.FAILED}"`);
    expect(junit.match(/<testsuite /g)).toHaveLength(3);
    expect(junit).toContain('<testsuite name="5.5.2 Ping"');
    expect(junit.match(/<testcase /g)).toHaveLength(cases.length);
    expect(junit.match(/<failure /g)).toHaveLength(totals.FAILED);
  });

  it('is well formed: every element closed, every special character escaped', () => {
    // What is left once the elements that close themselves and matching pairs are removed.
    let rest = junit
      .replace(/^<\?xml[^>]*\?>\n/, '')
      .replace(/<[a-z-]+(?: [a-z]+="[^"<>]*")*\/>/g, '');
    for (let round = 0; round < 4; round++) {
      rest = rest.replace(/<([a-z-]+)(?: [a-z]+="[^"<>]*")*>[^<]*<\/\1>/g, '');
    }
    expect(rest.trim()).toBe('');
  });
});
