import { type Harness, runCases } from './runner.ts';
import { sectionKey } from './sections.ts';
import type { Case, CaseResult, CaseSpec } from './verdict.ts';
import type { PeerRole } from './wire/rules.ts';

/**
 * A mode of the checker: what it checks and how. Server mode (src/server/) connects to the
 * server under test as a client; client mode (src/client/, `--client`) listens, runs the client
 * under test and judges it - the same runner and reports, with its own cases and context.
 */
export interface Mode<Context> {
  /** For the report's first line: `ws://localhost:8082/ws as an echo server`. */
  subject: string;
  /** What is checked: a server or a client (the reports name the other end so). */
  peer: PeerRole;
  cases: Case<Context>[];
  harness: Harness<Context>;
  /** Cases that may run at the same time. */
  concurrency: number;
  /**
   * Whether the peer can be reached at all: undefined if it can, otherwise the reason (exit
   * status 2). Hints for the reader (a missing --greeting) go to `notes`.
   */
  preflight(notes: (line: string) => void): Promise<string | undefined>;
}

/** Case lists of one family each, in the order a connection meets them. */
export interface Family<Context> {
  name: string;
  cases: CaseSpec<Context>[];
}

/**
 * Gives every case its id: its section's key and its number within that section, in the order
 * the families list them (`5.2/1`, `5.2/2`, `9110-7.2/1`). Ids are given before `--cases`
 * picks, so a case keeps its id whatever else runs.
 */
export function numberCases<Context>(families: Family<Context>[]): Case<Context>[] {
  const counts = new Map<string, number>();
  return families.flatMap((family) =>
    family.cases.map((spec) => {
      const key = sectionKey(spec.section);
      const number = (counts.get(key) ?? 0) + 1;
      counts.set(key, number);
      return { ...spec, id: `${key}/${number}`, family: family.name };
    }),
  );
}

/** A mode ready to run, whatever its context type: what the command line works with. */
export interface ReadyMode {
  subject: string;
  peer: PeerRole;
  caseCount: number;
  preflight(notes: (line: string) => void): Promise<string | undefined>;
  run(progress: (result: CaseResult, done: number, total: number) => void): Promise<CaseResult[]>;
}

export function ready<Context>(mode: Mode<Context>): ReadyMode {
  return {
    subject: mode.subject,
    peer: mode.peer,
    caseCount: mode.cases.length,
    preflight: (notes) => mode.preflight(notes),
    run: (progress) =>
      runCases(mode.cases, mode.harness, { concurrency: mode.concurrency, progress }),
  };
}
