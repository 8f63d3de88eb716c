import { parseArgs } from 'node:util';
import { ExpectedError, HelpRequested } from './errors.ts';
import { readTlsFiles, type TlsFiles } from './tls.ts';

/**
 * Command lines: one table of options per program, which both reads the command line and writes
 * its --help, so the two cannot disagree. A program describes itself (`Program`); support reads
 * it (`readCommandLine`) and prints it (`helpText`).
 */

/** One option, named in its table by its flag without the dashes: `port` for --port. */
export interface OptionSpec {
  /** What it takes, as --help writes it: `N`, `MS`, `FILE`. Undefined: a switch, on or off. */
  value?: string;
  /**
   * The environment variable that sets it too; the flag wins. For a value: its name, `PORT`. For
   * a switch: the setting that turns it on, `QUIET=1` (any value but empty, 0 or false), or
   * `INSPECTOR=0` (0 or false) for a switch that turns something off.
   */
  env?: string;
  /** One line for --help: what it does. */
  help: string;
  /** What it is when not given, as --help shows it. */
  default?: string | number;
}

export type OptionTable = Record<string, OptionSpec>;

/** What a command line gives for each option of `T`: a string or nothing, or a switch's state. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { value: string } ? string | undefined : boolean;
};

/** A program as its --help describes it. */
export interface Program<T extends OptionTable> {
  /** `echo-server`: the package, as `pnpm --filter NAME start` runs it. */
  name: string;
  /** One line: what it is. */
  about: string;
  /** What its positional argument is, if it takes one: `URL`, and the line that explains it. */
  argument?: { name: string; help: string };
  options: T;
  /** One command that shows it in use. */
  example: string;
}

/** What a command line said: each option's value (flag first, then environment), the rest. */
export interface CommandLine<T extends OptionTable> {
  values: OptionValues<T>;
  /** How each value was given, for messages about it: `--port`, or `PORT` from the environment. */
  names: Record<keyof T, string>;
  positionals: string[];
}

type Environment = Record<string, string | undefined>;

/**
 * Reads a program's command line against its table; a mistake is one line that points to --help,
 * exit code 2. A `--` before everything is dropped: `pnpm start -- --port 9000` (the habit npm
 * asks for) hands the program a literal `--`, which would otherwise make every option after it a
 * positional argument.
 */
export function readCommandLine<T extends OptionTable>(
  program: Program<T>,
  args: string[],
  env: Environment = {},
): CommandLine<T> {
  const given = args[0] === '--' ? args.slice(1) : args;
  if (given.includes('--help') || given.includes('-h')) {
    throw new HelpRequested(helpText(program));
  }
  const parsed = parseOrExplain(program, given);
  const values: Record<string, string | boolean | undefined> = {};
  const names: Record<string, string> = {};
  for (const [key, spec] of Object.entries(program.options)) {
    const flag = parsed.values[key];
    const [variable = '', turnsOn] = spec.env?.split('=') ?? [];
    const fromEnv = spec.env === undefined ? undefined : env[variable];
    if (spec.value === undefined) {
      const onFromEnv = turnsOn === '0' ? isOff(fromEnv) : isOn(fromEnv);
      values[key] = flag === true || (flag === undefined && onFromEnv);
      names[key] = flag === undefined && onFromEnv ? variable : `--${key}`;
    } else if (typeof flag === 'string') {
      values[key] = flag;
      names[key] = `--${key}`;
    } else {
      values[key] = fromEnv === '' ? undefined : fromEnv;
      names[key] = fromEnv === undefined || fromEnv === '' ? `--${key}` : variable;
    }
  }
  if (program.argument === undefined && parsed.positionals.length > 0) {
    throw new ExpectedError(`unexpected argument '${parsed.positionals[0]}'; see --help`, 2);
  }
  return {
    values: values as OptionValues<T>,
    names: names as Record<keyof T, string>,
    positionals: parsed.positionals,
  };
}

/** `parseArgs` over the table, its errors turned into one line that points to --help. */
function parseOrExplain<T extends OptionTable>(program: Program<T>, args: string[]) {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [key, spec] of Object.entries(program.options)) {
    options[key] = { type: spec.value === undefined ? 'boolean' : 'string' };
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']*)'/.exec(message)?.[1] ?? message;
      throw new ExpectedError(`unknown option '${option}'; see --help`, 2);
    }
    // "Option '--port <value>' argument missing", "Option '--quiet' does not take an argument"
    const line = message.split('\n')[0] ?? message;
    throw new ExpectedError(`${line.charAt(0).toLowerCase()}${line.slice(1)}; see --help`, 2);
  }
}

/** A program's --help: what it is, how to run it, its options and their environment variables. */
export function helpText<T extends OptionTable>(program: Program<T>): string {
  const { name, argument } = program;
  const rows = (entries: [string, string][]) => {
    const width = Math.max(...entries.map(([left]) => left.length)) + 3;
    return entries.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  };
  const options = Object.entries(program.options);
  const flags: [string, string][] = options.map(([key, spec]) => [
    spec.value === undefined ? `--${key}` : `--${key} ${spec.value}`,
    spec.default === undefined ? spec.help : `${spec.help} (default: ${spec.default})`,
  ]);
  flags.push(['--help, -h', 'print this help and exit']);
  const variables: [string, string][] = options.flatMap(([key, spec]): [string, string][] => {
    if (spec.env === undefined) return [];
    const setting = spec.value === undefined ? spec.env : `${spec.env}=${spec.value}`;
    return [[setting, `as --${key}`]];
  });
  const lines = [
    `${name}: ${program.about}`,
    '',
    `Usage: pnpm --filter ${name} start ${argument ? `[${argument.name}] ` : ''}[options]`,
  ];
  if (argument) lines.push('', ...rows([[argument.name, argument.help]]));
  lines.push('', 'Options:', ...rows(flags));
  if (variables.length > 0) {
    lines.push('', 'Environment variables (a flag wins over its variable):', ...rows(variables));
  }
  lines.push('', 'Example:', `  ${program.example}`, '');
  return lines.join('\n');
}

/**
 * The settings every server in the lesson reads (see `serverProgram` for the table). The
 * exercise gives the defaults that are its own dials - its port, heartbeat and size limit - and
 * support holds none of them.
 */
export interface ServerOptions {
  /** The program's name: `echo-server`, `native-server`... (for the start line and the page). */
  name: string;
  port: number;
  /** Undefined: both loopback addresses, 127.0.0.1 and ::1, so `localhost` works either way. */
  host: string | undefined;
  quiet: boolean;
  trace: boolean;
  /**
   * The hand-written servers' frame inspector (support/src/inspector.ts): on by default; off with
   * `--no-inspector` or INSPECTOR=0, and then nothing serves /inspect and no connection is shown.
   */
  inspector: boolean;
  maxPayload: number;
  heartbeatInterval: number;
  handshakeTimeout: number;
  /** Undefined: every origin may connect. */
  allowedOrigins: string[] | undefined;
  /** A certificate and key: serve wss:// and https:// instead of ws:// and http://. */
  tls: TlsFiles | undefined;
  /** Where log lines go; tests collect them. */
  log: (line: string) => void;
}

/** A socket that has not finished its upgrade request after 10 s is dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** What a server program tells support about itself: its name, and its own dials as defaults. */
export interface ServerProgram {
  name: string;
  about: string;
  example: string;
  port: number;
  heartbeatInterval: number;
  maxPayload: number;
  /** Written by hand: it sees every frame, so it has --trace and the page's frame inspector. */
  handWritten: boolean;
}

/** A server's option table, with the exercise's defaults in its help. */
export function serverProgram(server: ServerProgram) {
  const common = {
    port: {
      value: 'N',
      env: 'PORT',
      help: 'port to listen on; 0 picks a free one',
      default: server.port,
    },
    host: {
      value: 'H',
      env: 'HOST',
      help: 'address to listen on; 0.0.0.0 or :: for the network',
      default: 'loopback',
    },
    quiet: { env: 'QUIET=1', help: 'no per-connection and per-message lines' },
    'max-payload': {
      value: 'N',
      env: 'MAX_PAYLOAD',
      help: 'largest message, in bytes; bigger closes with 1009',
      default: server.maxPayload,
    },
    'heartbeat-interval': {
      value: 'MS',
      env: 'HEARTBEAT_INTERVAL',
      help: 'ms between pings; a peer silent for that long is cut',
      default: server.heartbeatInterval,
    },
    'handshake-timeout': {
      value: 'MS',
      env: 'HANDSHAKE_TIMEOUT',
      help: 'ms a socket may take to send its upgrade request',
      default: DEFAULT_HANDSHAKE_TIMEOUT,
    },
    'allowed-origins': {
      value: 'LIST',
      env: 'ALLOWED_ORIGINS',
      help: 'comma-separated origins that browsers may connect from',
      default: 'any',
    },
    'tls-cert': {
      value: 'FILE',
      env: 'TLS_CERT',
      help: 'serve wss:// (and https://) with this certificate...',
    },
    'tls-key': {
      value: 'FILE',
      env: 'TLS_KEY',
      help: '...and this private key (make both with `pnpm certs`)',
    },
  } satisfies OptionTable;
  const frames = {
    trace: { env: 'TRACE=1', help: 'print the handshake and every frame' },
    'no-inspector': { env: 'INSPECTOR=0', help: 'no frame inspector on the browser page' },
  } satisfies OptionTable;
  return {
    name: server.name,
    about: server.about,
    example: server.example,
    // Both tables, typed as one: a server written with `ws` has no frames to show.
    options: (server.handWritten ? { ...common, ...frames } : common) as typeof common &
      Partial<typeof frames>,
  };
}

/** Reads a server's options from its command line and environment. */
export function readServerOptions(
  server: ServerProgram,
  args: string[] = process.argv.slice(2),
  env: Environment = process.env,
): ServerOptions {
  const { values, names } = readCommandLine(serverProgram(server), args, env);
  return {
    name: server.name,
    port: readPort(names.port, values.port, server.port),
    host: values.host === '' ? undefined : values.host,
    quiet: values.quiet,
    trace: values.trace === true,
    inspector: values['no-inspector'] !== true,
    maxPayload: readCount(names['max-payload'], values['max-payload'], server.maxPayload),
    heartbeatInterval: readCount(
      names['heartbeat-interval'],
      values['heartbeat-interval'],
      server.heartbeatInterval,
    ),
    handshakeTimeout: readCount(
      names['handshake-timeout'],
      values['handshake-timeout'],
      DEFAULT_HANDSHAKE_TIMEOUT,
    ),
    allowedOrigins: readList(values['allowed-origins']),
    tls: readTlsFiles(values['tls-cert'], values['tls-key']),
    log: (line) => console.log(line),
  };
}

function readPort(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ExpectedError(`${name} must be a number from 0 to 65535, not "${value}"`, 2);
  }
  return port;
}

/** A positive whole number (a size in bytes, a time in ms, a count). */
export function readCount(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new ExpectedError(`${name} must be a positive whole number, not "${value}"`, 2);
  }
  return count;
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Set, and to 0 or false: for the settings that are on unless turned off. */
function isOff(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !isOn(value);
}

function readList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
