import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PAYLOAD } from 'shared';
import { ExpectedError } from './errors.ts';
import { readTlsFiles, type TlsFiles } from './tls.ts';

/**
 * The settings every server in the lesson reads, from flags first and then the environment:
 *
 *   --port N        PORT                 port to listen on; 0 picks a free one
 *   --host H        HOST                 interface to listen on; default: loopback only
 *   --quiet         QUIET=1              no per-connection and per-message lines
 *   --trace         TRACE=1              print the handshake and every frame (hand-written servers)
 *   --no-inspector  INSPECTOR=0          no frame inspector on the page (hand-written servers)
 *   --max-payload N MAX_PAYLOAD          largest message in bytes; a bigger one closes with 1009
 *   --tls-cert FILE TLS_CERT             serve wss:// (and https://) with this certificate...
 *   --tls-key FILE  TLS_KEY              ...and this private key (make both with `pnpm certs`)
 *                   HEARTBEAT_INTERVAL   ms between pings; a peer that misses a pong is dropped
 *                   HANDSHAKE_TIMEOUT    ms a socket may take to finish its upgrade request
 *                   ALLOWED_ORIGINS      comma-separated origins browsers may connect from
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

/**
 * TCP does not notice a peer that vanished (a pulled cable, a laptop lid closed): nothing is sent,
 * so nothing fails. A ping every 30 s that must be answered before the next one finds such peers
 * within a minute; it also keeps proxies from closing a quiet connection.
 */
export const DEFAULT_HEARTBEAT_INTERVAL = 30_000;

/** A socket that has not finished its upgrade request after 10 s is dropped. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** The defaults, with the exercise's own name and port. */
export function serverDefaults(name: string, port: number): ServerOptions {
  return {
    name,
    port,
    host: undefined,
    quiet: false,
    trace: false,
    inspector: true,
    maxPayload: DEFAULT_MAX_PAYLOAD,
    heartbeatInterval: DEFAULT_HEARTBEAT_INTERVAL,
    handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
    allowedOrigins: undefined,
    tls: undefined,
    log: (line) => console.log(line),
  };
}

type Environment = Record<string, string | undefined>;

/** Reads a server's options from its command line and environment. */
export function readServerOptions(
  name: string,
  defaultPort: number,
  args: string[] = process.argv.slice(2),
  env: Environment = process.env,
): ServerOptions {
  const { values } = parseArgsOrExplain(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    quiet: { type: 'boolean' },
    trace: { type: 'boolean' },
    'no-inspector': { type: 'boolean' },
    'max-payload': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  });
  const defaults = serverDefaults(name, defaultPort);
  return {
    ...defaults,
    port: readPort(values.port ?? env.PORT, defaultPort),
    host: stringOption(values.host ?? env.HOST),
    quiet: values.quiet === true || isOn(env.QUIET),
    trace: values.trace === true || isOn(env.TRACE),
    inspector: values['no-inspector'] !== true && !isOff(env.INSPECTOR),
    maxPayload: readCount(
      'MAX_PAYLOAD',
      values['max-payload'] ?? env.MAX_PAYLOAD,
      defaults.maxPayload,
    ),
    heartbeatInterval: readCount(
      'HEARTBEAT_INTERVAL',
      env.HEARTBEAT_INTERVAL,
      DEFAULT_HEARTBEAT_INTERVAL,
    ),
    handshakeTimeout: readCount(
      'HANDSHAKE_TIMEOUT',
      env.HANDSHAKE_TIMEOUT,
      DEFAULT_HANDSHAKE_TIMEOUT,
    ),
    allowedOrigins: readList(env.ALLOWED_ORIGINS),
    tls: readTlsFiles(values['tls-cert'] ?? env.TLS_CERT, values['tls-key'] ?? env.TLS_KEY),
  };
}

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** `parseArgs` with its errors turned into one readable line. */
export function parseArgsOrExplain<T extends ParseArgsOptions>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ExpectedError(message.split('\n')[0] ?? message, 2);
  }
}

function readPort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ExpectedError(`PORT must be a number from 0 to 65535, not "${value}"`, 2);
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

function stringOption(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
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
