import { compareSections, sectionHeading } from '../sections.ts';
import { type CaseResult, type Totals, VERDICTS, type Verdict } from '../verdict.ts';
import type { PeerRole } from '../wire/rules.ts';
import { describeWire } from './wire-text.ts';

/** FAILED cases told in full; past this many, one line each. */
const FULL_FAILURES = 10;

export interface Terminal {
  write(text: string): void;
  /** True on a terminal: progress is one line, rewritten; otherwise a line now and then. */
  isTTY: boolean;
}

/** Progress while the cases run: `case 41 of 412`. */
export function progressReporter(terminal: Terminal) {
  let lastTenth = 0;
  return (result: CaseResult, done: number, total: number) => {
    if (terminal.isTTY) {
      const line = `case ${done} of ${total}: ${result.id} ${result.title}`.slice(0, 79);
      terminal.write(`\r\x1b[K${line}${done === total ? '\r\x1b[K' : ''}`);
      return;
    }
    if (result.verdict === 'FAILED') terminal.write(`FAILED ${result.id} ${result.title}\n`);
    const tenth = Math.floor((done * 10) / total);
    if (tenth > lastTenth || done === total) {
      lastTenth = tenth;
      terminal.write(`case ${done} of ${total}\n`);
    }
  };
}

/** `390 OK, 8 NON-STRICT, 2 FAILED`: the verdicts that occur, in their order. */
function counts(results: CaseResult[]): string {
  return VERDICTS.map((verdict) => [verdict, results.filter((r) => r.verdict === verdict).length])
    .filter(([, count]) => count !== 0)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(', ');
}

/** The total line: every verdict, zeros included, so that a script can read it. */
export function totalLine(totals: Totals): string {
  const verdicts = VERDICTS.map((verdict) => `${totals[verdict]} ${verdict}`).join(', ');
  return `${totals.cases} cases in ${totals.seconds.toFixed(1)} s: ${verdicts}`;
}

/**
 * The report after the run: a summary per section (grouped by family), each FAILED case in
 * plain words with its wire log, one line for each other case that is not OK, and the total.
 */
export function summaryReport(
  results: CaseResult[],
  totals: Totals,
  subject: string,
  peer: PeerRole = 'server',
): string {
  const out: string[] = [`Conformance of ${subject}`, ''];
  const families = [...new Set(results.map((result) => result.family))];
  const width = Math.max(...results.map((result) => sectionHeading(result.section).length), 20);
  for (const family of families) {
    const inFamily = results.filter((result) => result.family === family);
    out.push(`${family}: ${inFamily.length} cases, ${counts(inFamily)}`);
    for (const section of [...new Set(inFamily.map((result) => result.section))].sort(
      compareSections,
    )) {
      const inSection = inFamily.filter((result) => result.section === section);
      out.push(
        `  ${sectionHeading(section).padEnd(width)}  ${String(inSection.length).padStart(3)}: ${counts(inSection)}`,
      );
    }
  }

  const failed = results.filter((result) => result.verdict === 'FAILED');
  if (failed.length > 0) {
    out.push('', `FAILED: ${failed.length} case${failed.length === 1 ? '' : 's'} broke a MUST`);
    for (const result of failed.slice(0, FULL_FAILURES)) out.push('', ...failure(result, peer));
    if (failed.length > FULL_FAILURES) {
      out.push(
        '',
        `and ${failed.length - FULL_FAILURES} more FAILED (all of them in --json, --junit):`,
      );
      for (const result of failed.slice(FULL_FAILURES)) out.push(oneLine(result));
    }
  }
  for (const verdict of ['NON-STRICT', 'UNIMPLEMENTED', 'INFORMATIONAL'] as Verdict[]) {
    const these = results.filter((result) => result.verdict === verdict);
    if (these.length === 0) continue;
    out.push('', `${verdict}:`);
    for (const result of these) out.push(oneLine(result));
  }
  out.push(...stoppedNote(results));
  out.push('', totalLine(totals), '');
  return out.join('\n');
}

/**
 * A server that crashes on one case fails every case after it, with no connection at all:
 * point at the cases that ended just before the first of those, one of which stopped it.
 */
function stoppedNote(results: CaseResult[]): string[] {
  const unreachable = results
    .filter((result) => result.actual.startsWith('no connection:'))
    .sort((a, b) => a.ended - b.ended);
  const first = unreachable[0];
  if (!first) return [];
  const before = results
    .filter((result) => result.ended < first.ended && result.ended >= first.ended - 8)
    .sort((a, b) => a.ended - b.ended);
  return [
    '',
    `Note: ${unreachable.length} cases found no server to connect to; the first of them was number ${first.ended} to end.`,
    'A server that stops (crashes) fails every case after it. The cases that ended just before:',
    ...before.map(oneLine),
  ];
}

function oneLine(result: CaseResult): string {
  return `  ${result.id.padEnd(12)} ${result.title}: ${result.actual}`;
}

/** A FAILED case in plain words: the rule, what was expected, what came, the bytes, the lesson. */
function failure(result: CaseResult, peer: PeerRole): string[] {
  const legend =
    peer === 'client'
      ? '-> sent by the checker, <- sent by the client, :: the client program'
      : '-> sent by the checker, <- sent by the server';
  return [
    `FAILED ${result.id}  ${result.title}`,
    `  The rule (${sectionHeading(result.section)}): ${result.rule}`,
    `  Expected: ${result.expected}`,
    `  Actual:   ${result.actual}`,
    `  On the wire (${legend}):`,
    ...describeWire(result.wire).map((line) => `  ${line}`),
    `  Where the lesson explains it: ${result.lesson.path}`,
  ];
}
