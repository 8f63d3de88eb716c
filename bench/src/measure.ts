/**
 * The timing and statistics behind bench/framing.ts, kept apart so that file reads as a list of
 * what is measured.
 *
 * The method, and why:
 * - Warm up first: V8 runs new code in its interpreter and compiles it to fast machine code only
 *   once it is hot. Timing before that measures the compiler, not the code.
 * - Then several timed rounds, taking the implementations in turn in every round (A B C, B C A,
 *   C A B, ...): a machine that slows down for a while (another process, CPU frequency) slows all of
 *   them, not only the one that happened to be running, and none always runs right after the same
 *   other one.
 * - Report the median of the rounds, which one unlucky round does not move, and the range
 *   (min-max), which shows how far to trust it.
 * - Compare two implementations round by round: the ratio of two rates measured a moment apart
 *   is steadier than the ratio of two medians.
 * - Time with the CPU time of this process rather than the wall clock (see `clock`), and start
 *   each round with a full garbage collection: the less of the rest of the machine gets into a
 *   measurement, the less the numbers move from one run to the next.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One implementation in a row of the benchmark. */
export interface Subject {
  name: string;
  /**
   * Untimed work before each timed pass, such as restoring input that the previous pass changed
   * (parsers unmask frames in place).
   */
  prepare?: (() => void) | undefined;
  /** One pass of the work, timed. Returns a number that `expected` checks. */
  run: () => number;
  /**
   * What `run` must return, such as the payload bytes the parser handed over. A parser that stops
   * early, or reads the frames wrong, would otherwise look fast.
   */
  expected?: number | undefined;
}

export interface MeasureOptions {
  /** Work in one pass, in the unit of the rate: frames, or bytes. */
  unitsPerPass: number;
  /** Warm-up time per subject, in milliseconds. */
  warmupMs: number;
  /** Timed rounds per subject. */
  rounds: number;
  /** Each round repeats passes until this much time was timed, in milliseconds. */
  roundMs: number;
  /** Called after each round, to show progress. */
  onRound?: ((round: number) => void) | undefined;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

// A full garbage collection before each timed round, so that no round pays for the garbage the
// previous implementation left behind. Node only offers gc() when started with --expose-gc; this
// turns that flag on from inside, and a new context made afterwards has the function.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The clock. By default the CPU time this process used (all its threads, user and system), not
 * the time on the wall: on a machine that also runs other programs, time spent waiting for a
 * core then counts against no one, and time this process spends on garbage collection or page
 * faults still counts. BENCH_CLOCK=wall switches to wall-clock time (performance.now()).
 */
export const clock: { name: string; now: () => number } =
  process.env.BENCH_CLOCK === 'wall'
    ? { name: 'wall-clock time', now: () => performance.now() }
    : {
        name: 'CPU time of this process',
        now: () => {
          const usage = process.cpuUsage(); // microseconds
          return (usage.user + usage.system) / 1000;
        },
      };

/**
 * Measures `subjects` side by side. Returns, for each subject in the order given, its rate (units
 * per second) in each round; entry `r` of every list comes from the same round.
 */
export async function measure(subjects: Subject[], options: MeasureOptions): Promise<number[][]> {
  for (const subject of subjects) {
    // At least a few passes even when one pass is longer than the warm-up time.
    let warm = 0;
    for (let pass = 0; pass < 3 || warm < options.warmupMs; pass++) warm += timePass(subject);
  }

  const rates: number[][] = subjects.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (let turn = 0; turn < subjects.length; turn++) {
      const index = (round + turn) % subjects.length;
      rates[index]!.push(timeRound(subjects[index]!, options));
    }
    options.onRound?.(round + 1);
    // Let the event loop run between rounds: progress output, and the callbacks that streams (such
    // as ws's Receiver, a Writable) schedule for "later", which a tight loop never lets run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return rates;
}

/** Repeats passes until `roundMs` was timed; returns units per second. */
function timeRound(subject: Subject, options: MeasureOptions): number {
  collectGarbage();
  let timed = 0;
  let passes = 0;
  while (timed < options.roundMs) {
    timed += timePass(subject);
    passes++;
  }
  return (passes * options.unitsPerPass) / (timed / 1000);
}

/** One pass: prepared untimed, run timed, checked. Returns its time in milliseconds. */
function timePass(subject: Subject): number {
  subject.prepare?.();
  const start = clock.now();
  const result = subject.run();
  const time = clock.now() - start;
  if (subject.expected !== undefined && result !== subject.expected) {
    throw new Error(`${subject.name}: a pass returned ${result}, expected ${subject.expected}`);
  }
  return time;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** `a[r] / b[r]` for each round `r`. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((value, round) => value / b[round]!);
}
