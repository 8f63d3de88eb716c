import { compareSections, sectionHeading } from '../sections.ts';
import type { CaseResult, Totals } from '../verdict.ts';
import { describeWire } from './wire-text.ts';

/**
 * `--junit`: a JUnit XML report, the format CI systems show test results from (one test suite
 * per RFC section, one test case per case). FAILED cases are failures; UNIMPLEMENTED ones are
 * skipped; NON-STRICT and INFORMATIONAL ones pass, with their verdict and what happened in
 * their output.
 */
export function junitReport(results: CaseResult[], totals: Totals, subject: string): string {
  const sections = new Map<string, CaseResult[]>();
  for (const result of results) {
    sections.set(result.section, [...(sections.get(result.section) ?? []), result]);
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`conformance: ${subject}`)}" tests="${totals.cases}" failures="${totals.FAILED}" skipped="${totals.UNIMPLEMENTED}" time="${totals.seconds}">`,
  ];
  for (const [section, cases] of [...sections].sort(([a], [b]) => compareSections(a, b))) {
    const failures = cases.filter((result) => result.verdict === 'FAILED').length;
    const skipped = cases.filter((result) => result.verdict === 'UNIMPLEMENTED').length;
    const time = seconds(cases.reduce((sum, result) => sum + result.ms, 0));
    lines.push(
      `  <testsuite name="${xml(sectionHeading(section))}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${time}">`,
    );
    for (const result of cases) lines.push(...testCase(result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function testCase(result: CaseResult): string[] {
  const open = `    <testcase classname="${xml(`${result.family}.${result.section}`)}" name="${xml(`${result.id} ${result.title}`)}" time="${seconds(result.ms)}"`;
  const details = [
    `${result.verdict}: ${result.title}`,
    `Rule (${result.section}): ${result.rule}`,
    `Expected: ${result.expected}`,
    `Actual: ${result.actual}`,
    `Lesson: ${result.lesson.path}`,
    '',
    ...describeWire(result.wire),
  ].join('\n');
  switch (result.verdict) {
    case 'FAILED':
      return [
        `${open}>`,
        `      <failure message="${xml(result.actual)}" type="FAILED">${xml(details)}</failure>`,
        '    </testcase>',
      ];
    case 'UNIMPLEMENTED':
      return [`${open}>`, `      <skipped message="${xml(result.actual)}"/>`, '    </testcase>'];
    case 'OK':
      return [`${open}/>`];
    default:
      return [`${open}>`, `      <system-out>${xml(details)}</system-out>`, '    </testcase>'];
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Text made safe for XML: the five special characters escaped, and the characters XML 1.0 does
 * not allow at all (control characters but tab, LF and CR) replaced by U+FFFD.
 */
function xml(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
    out += allowed ? (ESCAPES[char] ?? char) : '\ufffd';
  }
  return out;
}
