import type { AddressInfo, Server as NetServer } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { ExpectedError } from './errors.ts';

export interface Listening {
  port: number;
  /** The WebSocket URL to print and to connect to: `ws://localhost:8080/ws`. */
  url: string;
  /** Stops accepting new connections; open ones stay open. */
  close(): void;
}

/**
 * Starts `server` listening. `path` is where the server speaks WebSocket (the exercise's own
 * WEBSOCKET_PATH): it ends the URL the server prints.
 *
 * Without a host, it listens on both loopback addresses, 127.0.0.1 and ::1, with the same port:
 * `localhost` works whichever of the two a client resolves it to, and no other machine can
 * connect. A host such as 0.0.0.0 (every IPv4 interface) or :: (every interface) opens the
 * server to the network.
 */
export async function listen(
  server: NetServer,
  options: { port: number; host: string | undefined; tls: unknown; path: string },
): Promise<Listening> {
  const { host, path } = options;
  const scheme = options.tls === undefined ? 'ws' : 'wss';
  if (host !== undefined) {
    await listenOn(server, options.port, host).catch((error: unknown) => {
      throw explainListenError(error, options.port, host);
    });
    const port = (server.address() as AddressInfo).port;
    return { port, url: webSocketUrl(scheme, host, port, path), close: () => server.close() };
  }

  // With PORT=0 the free port found on 127.0.0.1 may be taken on ::1; then try again.
  for (let attempt = 1; ; attempt++) {
    await listenOn(server, options.port, '127.0.0.1').catch((error: unknown) => {
      throw explainListenError(error, options.port, '127.0.0.1');
    });
    const port = (server.address() as AddressInfo).port;
    const url = webSocketUrl(scheme, 'localhost', port, path);
    // A second listener on ::1 hands its connections to the same server.
    const ipv6 = createNetServer((socket) => server.emit('connection', socket));
    try {
      await listenOn(ipv6, port, '::1');
    } catch (error) {
      if (isCode(error, 'EADDRNOTAVAIL') || isCode(error, 'EAFNOSUPPORT')) {
        // This machine has no IPv6 loopback: IPv4 alone will do.
        return { port, url, close: () => server.close() };
      }
      server.close();
      if (isCode(error, 'EADDRINUSE') && options.port === 0 && attempt < 5) continue;
      throw explainListenError(error, port, '::1');
    }
    const close = () => {
      server.close();
      ipv6.close();
    };
    return { port, url, close };
  }
}

/** `ws://localhost:8080/ws`, with an IPv6 address in brackets: `ws://[::1]:8080/ws`. */
export function webSocketUrl(scheme: string, host: string, port: number, path: string): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/** Resolves once listening; rejects with the system's error (EADDRINUSE, ...) otherwise. */
function listenOn(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The usual reasons a server cannot start, as one line that says what to do. */
function explainListenError(error: unknown, port: number, host: string): unknown {
  if (isCode(error, 'EADDRINUSE'))
    return new ExpectedError(`port ${port} is in use; set PORT to another port`);
  if (isCode(error, 'EACCES')) {
    return new ExpectedError(
      `no permission to listen on port ${port}; set PORT to a port above 1023`,
    );
  }
  if (isCode(error, 'EADDRNOTAVAIL'))
    return new ExpectedError(`${host} is not an address of this machine; check HOST`);
  if (isCode(error, 'ENOTFOUND')) return new ExpectedError(`cannot resolve HOST ${host}`);
  return error;
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
