import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CaseResult, Totals } from '../verdict.ts';
import type { PeerRole } from '../wire/rules.ts';
import { htmlReport } from './html.ts';
import { jsonReport } from './json.ts';
import { junitReport } from './junit.ts';

/** What a file report is made from. */
export interface ReportInput {
  results: CaseResult[];
  totals: Totals;
  subject: string;
  /** What was checked: a server or a client. */
  peer: PeerRole;
  /** Where the report is written (an absolute path): the HTML page links from there. */
  file: string;
}

/** The reports written to files, by option. */
export const FILE_REPORTS: Record<'json' | 'junit' | 'html', (input: ReportInput) => string> = {
  json: ({ results, totals }) => jsonReport(results, totals),
  junit: ({ results, totals, subject }) => junitReport(results, totals, subject),
  html: (input) => htmlReport(input),
};

/** A report's full path: relative to where the command was typed (pnpm's INIT_CWD). */
export function reportPath(path: string, cwd: string): string {
  return resolve(cwd, path);
}

export async function writeReport(file: string, text: string): Promise<void> {
  await writeFile(file, text);
}
