import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  oneLine,
  readCommandLine,
  readCount,
  readTlsTrust,
  readUrlArgument,
  TLS_CLIENT_OPTIONS,
  type TlsTrust,
} from 'support';

/** Where the echo-server exercise listens when started with `pnpm --filter echo-server start`. */
export const DEFAULT_URL = 'ws://localhost:8080/ws';

/** How often the client says hello, in ms. */
export const DEFAULT_INTERVAL = 1000;

/** The client's command line: the table `--help` is written from, and read with. */
export const program = {
  name: 'client',
  about: 'a WebSocket client for the terminal (the ws library): says hello every second',
  argument: { name: 'URL', help: `the server, ws:// or wss:// (default: ${DEFAULT_URL})` },
  options: {
    interval: { value: 'MS', help: 'time between two hellos', default: DEFAULT_INTERVAL },
    count: { value: 'N', help: 'stop after N messages have arrived', default: 'until Ctrl+C' },
    timeout: {
      value: 'MS',
      help: 'give up when the opening handshake takes longer',
      default: DEFAULT_HANDSHAKE_TIMEOUT,
    },
    ...TLS_CLIENT_OPTIONS,
  },
  example: 'pnpm --filter client start ws://localhost:9000/ws --interval 200 --count 5',
};

export interface ClientOptions extends TlsTrust {
  url: string;
  interval: number;
  /** Undefined: no limit. */
  count: number | undefined;
  timeout: number;
  /**
   * Where the client's lines go: `console.log` in the program, through `oneLine`. Many lines quote
   * the server (a message, a close reason, its status line), and a server's escape sequences must
   * reach the terminal as `\u001b`, not as orders to clear the screen.
   */
  print: (line: string) => void;
}

/** Reads the client's options from its command line; a mistake there exits with 2. */
export function readClientOptions(args: string[]): ClientOptions {
  const { values, positionals } = readCommandLine(program, args);
  return {
    url: readUrlArgument(positionals, DEFAULT_URL).href,
    interval: readCount('--interval', values.interval, DEFAULT_INTERVAL),
    count: values.count === undefined ? undefined : readCount('--count', values.count, 1),
    timeout: readCount('--timeout', values.timeout, DEFAULT_HANDSHAKE_TIMEOUT),
    ...readTlsTrust(values),
    print: (line) => console.log(oneLine(line)),
  };
}
