import { parseArgs } from 'node:util';

/** The default of --timeout: how long to wait for an answer that should come, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 5;

export const USAGE = `Usage:
  pnpm conformance <ws-or-wss-url> [options]       check an echo server
  pnpm conformance --client "<command with {url}>" [options]
                                                   check a command-line client

Server mode connects to the URL and checks the server against RFC 6455 (and the HTTP rules
of RFC 9110 and 9112 the handshake rests on), case by case. The server must echo every text
and binary message with its type.

Client mode listens on 127.0.0.1 and, for each case, runs the command through a shell with
{url} replaced by its own URL. The client must send each line of its input as a text
message, close with 1000 at the end of its input, and exit with status 0 after a clean close
and another status otherwise, with a line saying why.

Options:
  --cases LIST       only these cases: ids or RFC section prefixes, comma-separated
                     (5.5,7.4.1 runs sections 5.5, 5.5.1... and 7.4.1; 9110 runs RFC 9110's)
  --json FILE        write the results as JSON
  --junit FILE       write the results as a JUnit XML report, for CI
  --html FILE        write one self-contained HTML page: the cases, each with its frames
  --greeting N       the server sends N messages of its own right after the handshake
                     (the hello servers: 1); they are skipped (server mode)
  --timeout SECONDS  how long to wait for an answer that should come (default ${DEFAULT_TIMEOUT_SECONDS})
  --help             this text

Exit status: 0 when no case is FAILED, 1 when one is, 2 for a usage error, a server that
cannot be reached or a client that does not connect. wss:// URLs trust the system's CAs; add
yours with NODE_EXTRA_CA_CERTS=path/to/ca.pem.`;

export interface Options {
  help: boolean;
  /** Server mode: the URL to check. */
  url: string | undefined;
  /** Client mode: the command to run, with `{url}` in it. */
  client: string | undefined;
  cases: string[] | undefined;
  json: string | undefined;
  junit: string | undefined;
  html: string | undefined;
  greeting: number;
  timeoutMs: number;
}

/** A mistake on the command line: the message, printed with a pointer to --help; exit 2. */
export class UsageError extends Error {}

export function parseOptions(args: string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--foo'".
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return { ...defaults(), help: true };
  if (positionals.length > 1) {
    throw new UsageError(`one URL at a time; got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const url = positionals[0];
  if (url !== undefined && values.client !== undefined) {
    throw new UsageError('give a URL (server mode) or --client (client mode), not both');
  }
  if (url === undefined && values.client === undefined) {
    throw new UsageError(
      'which server? give its URL, e.g. pnpm conformance ws://localhost:8082/ws',
    );
  }
  if (values.client !== undefined && !values.client.includes('{url}')) {
    throw new UsageError('the --client command must contain {url}, where the checker puts its URL');
  }
  if (values.client !== undefined && values.greeting !== undefined) {
    throw new UsageError('--greeting is for server mode: a client under test is the one greeted');
  }
  return {
    help: false,
    url,
    client: values.client,
    cases: values.cases === undefined ? undefined : list(values.cases),
    json: nonEmpty('--json', values.json),
    junit: nonEmpty('--junit', values.junit),
    html: nonEmpty('--html', values.html),
    greeting: count('--greeting', values.greeting),
    timeoutMs: seconds('--timeout', values.timeout) * 1000,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      cases: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      html: { type: 'string' },
      greeting: { type: 'string' },
      timeout: { type: 'string' },
      client: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function defaults(): Options {
  return {
    help: false,
    url: undefined,
    client: undefined,
    cases: undefined,
    json: undefined,
    junit: undefined,
    html: undefined,
    greeting: 0,
    timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000,
  };
}

function list(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0)
    throw new UsageError('--cases needs ids or sections, e.g. --cases 5.5,7.4.1');
  return items;
}

function nonEmpty(name: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`${name} needs a file name`);
  return value;
}

function count(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a whole number, not "${value}"`);
  return Number(value);
}

function seconds(name: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0 || number > 3600) {
    throw new UsageError(`${name} takes seconds, more than 0, e.g. ${name} 2.5; not "${value}"`);
  }
  return number;
}
