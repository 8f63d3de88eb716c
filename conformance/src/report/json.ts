import type { CaseResult, Totals } from '../verdict.ts';

/**
 * `--json`: the shape the issue fixes, for other tools -
 * `{ "cases": [ { "id", "section", "title", "verdict", "expected", "actual" } ], "totals": {...} }`.
 * `totals` counts the cases, each verdict, and the seconds the run took.
 */
export function jsonReport(results: CaseResult[], totals: Totals): string {
  const cases = results.map(({ id, section, title, verdict, expected, actual }) => ({
    id,
    section,
    title,
    verdict,
    expected,
    actual,
  }));
  return `${JSON.stringify({ cases, totals }, null, 2)}\n`;
}
