import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  oneLine,
  parseArgsOrExplain,
  readCount,
  readTlsTrust,
  readUrlArgument,
  TLS_CLIENT_FLAGS,
  type TlsTrust,
} from 'support';

/** Where the echo-server exercise listens when started with `pnpm --filter echo-server start`. */
export const DEFAULT_URL = 'ws://localhost:8080/ws';

/** How often the client says hello, in ms. */
export const DEFAULT_INTERVAL = 1000;

/**
 *   [URL]            the server to connect to; default ws://localhost:8080/ws
 *   --interval MS    time between two hellos; default 1000
 *   --count N        stop after N messages have arrived; default: run until Ctrl+C
 *   --timeout MS     give up when the opening handshake takes longer; default 10000
 *   --ca FILE        wss: also trust the CA in FILE (a private one, such as `pnpm certs` makes)
 *   --insecure       wss: do not check the server's certificate at all (prints a warning)
 */
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
  const { values, positionals } = parseArgsOrExplain(args, {
    interval: { type: 'string' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    ...TLS_CLIENT_FLAGS,
  });
  return {
    url: readUrlArgument(positionals, DEFAULT_URL).href,
    interval: readCount('--interval', values.interval, DEFAULT_INTERVAL),
    count: values.count === undefined ? undefined : readCount('--count', values.count, 1),
    timeout: readCount('--timeout', values.timeout, DEFAULT_HANDSHAKE_TIMEOUT),
    ...readTlsTrust(values),
    print: (line) => console.log(oneLine(line)),
  };
}
