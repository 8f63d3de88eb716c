import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  parseArgsOrExplain,
  readCount,
  readTlsTrust,
  readUrlArgument,
  TLS_CLIENT_FLAGS,
  type TlsTrust,
} from 'support';

/** Where native-server listens when started with `pnpm --filter native-server start`. */
export const DEFAULT_URL = 'ws://localhost:8082/ws';

/**
 *   [URL]          the server: ws:// or wss://, any host (IPv6 in brackets), port, path and query
 *   --trace        print the handshake and every frame in and out
 *   --timeout MS   give up when the opening handshake takes longer; default 10000
 *   --ca FILE      wss: also trust the CA in FILE (a private one, such as `pnpm certs` makes)
 *   --insecure     wss: do not check the server's certificate at all (prints a warning)
 */
export interface ClientOptions extends TlsTrust {
  url: URL;
  trace: boolean;
  timeout: number;
}

/** Reads the client's options from its command line; a mistake there exits with 2. */
export function readClientOptions(args: string[]): ClientOptions {
  const { values, positionals } = parseArgsOrExplain(args, {
    trace: { type: 'boolean' },
    timeout: { type: 'string' },
    ...TLS_CLIENT_FLAGS,
  });
  return {
    url: readUrlArgument(positionals, DEFAULT_URL),
    trace: values.trace === true,
    timeout: readCount('--timeout', values.timeout, DEFAULT_HANDSHAKE_TIMEOUT),
    ...readTlsTrust(values),
  };
}
