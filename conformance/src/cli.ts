import { clientCases, clientMode } from './client/mode.ts';
import { type ReadyMode, ready } from './mode.ts';
import { type Options, parseOptions, USAGE, UsageError } from './options.ts';
import { progressReporter, summaryReport, type Terminal } from './report/console.ts';
import { FILE_REPORTS, reportPath, writeReport } from './report/index.ts';
import { picks } from './sections.ts';
import { serverCases, serverMode } from './server/mode.ts';
import { parseTarget } from './target.ts';
import { type Case, totalsOf } from './verdict.ts';

/** Where the command writes, and where its file names are relative to. */
export interface Io {
  stdout: Terminal;
  stderr: Terminal;
  /** The folder the command was typed in. */
  cwd: string;
}

/** Exit statuses (the interface fixes them). */
export const EXIT = { noneFailed: 0, someFailed: 1, usage: 2 } as const;

/**
 * `pnpm conformance ...`: parses the options, picks the cases, checks that the peer can be
 * reached, runs the cases with progress, writes the reports, and returns the exit status.
 */
export async function main(args: string[], io: Io): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`conformance: ${error.message}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }
  if (options.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.noneFailed;
  }
  const mode = makeMode(options, io);
  if (typeof mode === 'string') {
    io.stderr.write(`conformance: ${mode}\n`);
    return EXIT.usage;
  }
  const unreachable = await mode.preflight((line) => io.stderr.write(`${line}\n`));
  if (unreachable) {
    io.stderr.write(`conformance: ${unreachable}\n`);
    return EXIT.usage;
  }

  const started = performance.now();
  io.stderr.write(`Checking ${mode.subject}: ${mode.caseCount} cases\n`);
  const results = await mode.run(progressReporter(io.stderr));
  const totals = totalsOf(results, Math.round((performance.now() - started) / 100) / 10);

  // The files first, so that the total line is the last thing printed.
  let unwritten = false;
  for (const name of ['json', 'junit', 'html'] as const) {
    const path = options[name];
    if (path === undefined) continue;
    try {
      const file = reportPath(path, io.cwd);
      const input = { results, totals, subject: mode.subject, peer: mode.peer, file };
      await writeReport(file, FILE_REPORTS[name](input));
      io.stderr.write(`--${name}: wrote ${file}\n`);
    } catch (error) {
      io.stderr.write(`conformance: cannot write ${path}: ${(error as Error).message}\n`);
      unwritten = true;
    }
  }
  io.stdout.write(summaryReport(results, totals, mode.subject, mode.peer));
  if (unwritten) return EXIT.usage;
  return totals.FAILED > 0 ? EXIT.someFailed : EXIT.noneFailed;
}

/**
 * The mode the options ask for - server mode for a URL, client mode for `--client` - with the
 * cases `--cases` picks; or what is wrong (exit 2).
 */
function makeMode(options: Options, io: Io): ReadyMode | string {
  if (options.client !== undefined) {
    const cases = pick(clientCases(), options.cases);
    if (typeof cases === 'string') return cases;
    const settings = { command: options.client, timeoutMs: options.timeoutMs, cwd: io.cwd };
    return ready(clientMode(settings, cases));
  }
  const target = parseTarget(options.url ?? '');
  if (typeof target === 'string') return target;
  const cases = pick(serverCases(), options.cases);
  if (typeof cases === 'string') return cases;
  return ready(
    serverMode({ target, timeoutMs: options.timeoutMs, greeting: options.greeting }, cases),
  );
}

/** The cases `--cases` names; every item must pick at least one. */
function pick<Context>(
  cases: Case<Context>[],
  items: string[] | undefined,
): Case<Context>[] | string {
  if (items === undefined) return cases;
  for (const item of items) {
    if (!cases.some((testCase) => picks(item, testCase.id, testCase.section))) {
      return `--cases: no case is ${item} or in section ${item}`;
    }
  }
  return cases.filter((testCase) =>
    items.some((item) => picks(item, testCase.id, testCase.section)),
  );
}
