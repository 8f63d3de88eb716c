import { type Case, type CaseResult, type Judgement, judge, Stop } from './verdict.ts';
import { WireLog } from './wire/log.ts';

/** What a mode (server or client) gives the runner for each case. */
export interface Harness<Context> {
  /** A fresh context for one case, writing to that case's wire log. */
  context(log: WireLog): Context;
  /** Tidies up after a case (closes what it left open); never throws. */
  finish(context: Context): Promise<void>;
  /** The longest a case may take, in ms, before it is stopped and counted FAILED. */
  deadline(testCase: Case<Context>): number;
}

export interface RunOptions {
  /** Cases running at the same time: enough to keep a server busy, few enough to stay fair. */
  concurrency: number;
  /** Called as each case ends, with how many have ended and how many there are. */
  progress?: (result: CaseResult, done: number, total: number) => void;
}

/**
 * Runs cases, `concurrency` at a time, then those that must run alone (the timed ones), one by
 * one. Results come back in the cases' order.
 */
export async function runCases<Context>(
  cases: Case<Context>[],
  harness: Harness<Context>,
  options: RunOptions,
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  let done = 0;
  const runOne = async (index: number) => {
    const result = await runCase(cases[index]!, harness);
    done++;
    result.ended = done;
    results[index] = result;
    options.progress?.(result, done, cases.length);
  };

  const shared = cases.flatMap((testCase, index) => (testCase.alone ? [] : [index]));
  let next = 0;
  const worker = async () => {
    while (next < shared.length) await runOne(shared[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, shared.length) }, worker));

  for (const [index, testCase] of cases.entries()) if (testCase.alone) await runOne(index);
  return results;
}

async function runCase<Context>(
  testCase: Case<Context>,
  harness: Harness<Context>,
): Promise<CaseResult> {
  const log = new WireLog();
  const context = harness.context(log);
  const deadlineMs = harness.deadline(testCase);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Judgement>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          judge.failed(
            'the case ends',
            `the case did not end within ${deadlineMs / 1000} s: the peer kept it waiting`,
          ),
        ),
      deadlineMs,
    );
  });
  const judgement = await Promise.race([run(testCase, context), deadline]);
  clearTimeout(timer);
  await harness.finish(context);
  return {
    id: testCase.id,
    section: testCase.section,
    family: testCase.family,
    title: testCase.title,
    rule: testCase.rule,
    lesson: testCase.lesson,
    ...judgement,
    ms: Math.round(log.elapsed),
    ended: 0,
    wire: log.entries(),
  };
}

async function run<Context>(testCase: Case<Context>, context: Context): Promise<Judgement> {
  try {
    return await testCase.run(context);
  } catch (error) {
    if (error instanceof Stop) return error.judgement;
    // A bug in the checker, not in the peer: say so rather than blame the peer.
    return judge.failed(
      'the case runs to its end',
      `the checker itself failed (a bug in the checker, please report it): ${(error as Error).stack ?? error}`,
    );
  }
}
