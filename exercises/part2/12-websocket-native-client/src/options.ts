import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  readCommandLine,
  readCount,
  readTlsTrust,
  readUrlArgument,
  TLS_CLIENT_OPTIONS,
  type TlsTrust,
} from 'support';

/** Where native-server listens when started with `pnpm --filter native-server start`. */
export const DEFAULT_URL = 'ws://localhost:8082/ws';

/** The client's command line: the table `--help` is written from, and read with. */
export const program = {
  name: 'native-client',
  about: 'a terminal WebSocket client written by hand: sends the lines you type',
  argument: { name: 'URL', help: `the server, ws:// or wss:// (default: ${DEFAULT_URL})` },
  options: {
    trace: { help: 'print the handshake and every frame in and out' },
    timeout: {
      value: 'MS',
      help: 'give up when the opening handshake takes longer',
      default: DEFAULT_HANDSHAKE_TIMEOUT,
    },
    ...TLS_CLIENT_OPTIONS,
  },
  example: 'pnpm --filter native-client start ws://localhost:8080/ws --trace',
};

export interface ClientOptions extends TlsTrust {
  url: URL;
  trace: boolean;
  timeout: number;
}

/** Reads the client's options from its command line; a mistake there exits with 2. */
export function readClientOptions(args: string[]): ClientOptions {
  const { values, positionals } = readCommandLine(program, args);
  return {
    url: readUrlArgument(positionals, DEFAULT_URL),
    trace: values.trace,
    timeout: readCount('--timeout', values.timeout, DEFAULT_HANDSHAKE_TIMEOUT),
    ...readTlsTrust(values),
  };
}
