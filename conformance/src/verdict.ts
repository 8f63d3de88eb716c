import type { Lesson } from './lesson.ts';
import type { WireEntry } from './wire/log.ts';

/**
 * What a case can conclude, as Autobahn|Testsuite separates them:
 *
 * - OK: the peer did what the RFC asks.
 * - NON-STRICT: allowed, not ideal - a SHOULD not followed (TCP dropped where a close frame
 *   should have been sent, a close code other than the one the RFC names).
 * - INFORMATIONAL: no rule at stake; the case reports what the peer chose (a time, a limit,
 *   whether it closes TCP first).
 * - UNIMPLEMENTED: the peer declined something it may decline (close code 1003 for a message type
 *   it does not take).
 * - FAILED: a MUST broken.
 */
export const VERDICTS = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A case's conclusion: the verdict, what the RFC asks (in our words), and what the peer did. */
export interface Judgement {
  verdict: Verdict;
  expected: string;
  actual: string;
}

export const judge = {
  ok: (expected: string, actual: string): Judgement => ({ verdict: 'OK', expected, actual }),
  nonStrict: (expected: string, actual: string): Judgement => ({
    verdict: 'NON-STRICT',
    expected,
    actual,
  }),
  informational: (expected: string, actual: string): Judgement => ({
    verdict: 'INFORMATIONAL',
    expected,
    actual,
  }),
  unimplemented: (expected: string, actual: string): Judgement => ({
    verdict: 'UNIMPLEMENTED',
    expected,
    actual,
  }),
  failed: (expected: string, actual: string): Judgement => ({
    verdict: 'FAILED',
    expected,
    actual,
  }),
};

/** Thrown by a case's helpers to end the case at once with a judgement (a handshake refused). */
export class Stop extends Error {
  readonly judgement: Judgement;
  constructor(judgement: Judgement) {
    super(judgement.actual);
    this.judgement = judgement;
  }
}

/** A case as its module writes it; the id is given when all cases are put together. */
export interface CaseSpec<Context> {
  /** The RFC section the case rests on: `5.5.2`, or `RFC 9110 7.2`. */
  section: string;
  title: string;
  /** The rule, in plain words. */
  rule: string;
  /** Where the lesson explains it. */
  lesson: Lesson;
  /** Runs with no other case at the same time: its time is reported. */
  alone?: boolean;
  run(context: Context): Promise<Judgement>;
}

export interface Case<Context> extends CaseSpec<Context> {
  /** `5.2/3`: the section (RFC 6455 unless named, `9110-7.2` for RFC 9110) and a number. */
  id: string;
  /** The family it belongs to, for the summary: `Framing`, `UTF-8`... */
  family: string;
}

/** A case once run: its judgement, its time and its wire log. */
export interface CaseResult extends Judgement {
  id: string;
  section: string;
  family: string;
  title: string;
  rule: string;
  lesson: Lesson;
  ms: number;
  /** When it ended among the cases of the run: 1 for the first to end. */
  ended: number;
  wire: WireEntry[];
}

export type Totals = Record<Verdict, number> & { cases: number; seconds: number };

export function totalsOf(results: CaseResult[], seconds: number): Totals {
  const totals = { cases: results.length, seconds } as Totals;
  for (const verdict of VERDICTS) {
    totals[verdict] = results.filter((result) => result.verdict === verdict).length;
  }
  return totals;
}
