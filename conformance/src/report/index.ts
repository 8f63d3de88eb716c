import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CaseResult, Totals } from '../verdict.ts';
import type { PeerRole } from '../wire/rules.ts';
import { jsonReport } from './json.ts';
import { junitReport } from './junit.ts';

/** What a file report is made from. */
export interface ReportInput {
  results: CaseResult[];
  totals: Totals;
  subject: string;
  /** What was checked: a server or a client. */
  peer: PeerRole;
}

/**
 * The reports written to files, by option. `--html` has no writer yet: the HTML page with each
 * case's frames drawn comes with client mode (issue 22, part B), in `html.ts`, added here.
 */
export const FILE_REPORTS: Record<
  'json' | 'junit' | 'html',
  ((input: ReportInput) => string) | undefined
> = {
  json: ({ results, totals }) => jsonReport(results, totals),
  junit: ({ results, totals, subject }) => junitReport(results, totals, subject),
  html: undefined,
};

/** Writes a report; a path is relative to where the command was typed (pnpm's INIT_CWD). */
export async function writeReport(path: string, text: string, cwd: string): Promise<string> {
  const full = resolve(cwd, path);
  await writeFile(full, text);
  return full;
}
