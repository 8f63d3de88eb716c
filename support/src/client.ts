import { ExpectedError } from './errors.ts';

/**
 * What both terminal clients (client with `ws`, native-client by hand) do the same way: read the
 * URL they are given, and explain why a connection could not be made.
 */

/**
 * The URL a client is given as its only positional argument, or `fallback` without one. One
 * line and exit code 2 for more than one.
 */
export function readUrlArgument(positionals: string[], fallback: string): URL {
  if (positionals.length > 1) {
    throw new ExpectedError(
      `expected one URL, got ${positionals.length}: ${positionals.join(' ')}`,
      2,
    );
  }
  return readWebSocketUrl(positionals[0] ?? fallback, fallback);
}

/**
 * Reads a WebSocket URL: `ws://` or `wss://`, no `#fragment` (RFC 6455 §3). A mistake is one line
 * and exit code 2. (`ws` itself would also take http: and https: and quietly swap the scheme;
 * saying so is clearer for someone learning which is which.)
 */
export function readWebSocketUrl(text: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExpectedError(`"${text}" is not a URL; try ${example}`, 2);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ExpectedError(
      `a WebSocket URL starts with ws:// or wss://, not "${url.protocol}"`,
      2,
    );
  }
  // RFC 6455 §3: "Fragment identifiers are meaningless in the context of WebSocket URIs".
  if (url.hash !== '') throw new ExpectedError(`a WebSocket URL has no #fragment: ${text}`, 2);
  return url;
}

/**
 * Why a connection could not be made, in words. The system reports it as a code (ECONNREFUSED);
 * someone at a terminal wants to read "connection refused" and guess what to check.
 */
const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'the host name could not be looked up (is the network up?)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
};

/** `connection refused`, or the error's own message when its code is not one of the above. */
export function describeConnectError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined ? reasons[code] : undefined) ?? error.message;
}
