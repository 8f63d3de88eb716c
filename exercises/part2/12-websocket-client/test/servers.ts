/**
 * The servers the client's tests talk to, made here with `ws` behind node:http: small, and each
 * doing only what a test needs. (The echo-server exercise is a program of its own; these tests do
 * not depend on it.)
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { describeClose, listen, refuseBadRequest, refuseUpgrade, requestPath } from 'support';
import { LineWatcher } from 'support/testing';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestServer {
  /** `ws://localhost:PORT/ws`, listening on 127.0.0.1 and ::1. */
  url: string;
  port: number;
  /** One line per connection that ended: `disconnected: code 1000 (Normal Closure), ...`. */
  log: LineWatcher;
  /** Says goodbye to every client with 1001 (Going Away), waits for them, then stops. */
  shutDown(): Promise<void>;
  /** Cuts every connection and stops listening: for the end of a test. */
  stop(): void;
}

/**
 * A server that upgrades requests for /ws (404 for any other path) and hands each new connection
 * to `onConnection`.
 */
export async function startServer(onConnection: (ws: WebSocket) => void): Promise<TestServer> {
  const log = new LineWatcher();
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (request, socket, head) => {
    if (refuseBadRequest(request, socket)) return;
    if (requestPath(request) !== '/ws') {
      refuseUpgrade(socket, 404, 'no WebSocket endpoint here; use /ws');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('close', (code, reason) => log.push(`disconnected: ${describeClose(code, reason)}`));
      onConnection(ws);
    });
  });
  const listening = await listen(http, { port: 0, host: undefined, tls: undefined, path: '/ws' });

  const stop = () => {
    for (const ws of wss.clients) ws.terminate();
    listening.close();
  };
  let shutDown: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    log,
    stop,
    shutDown() {
      shutDown ??= (async () => {
        const clients = [...wss.clients];
        for (const ws of clients) ws.close(1001, 'server shutting down');
        await Promise.all(clients.map((ws) => once(ws, 'close')));
        stop();
      })();
      return shutDown;
    },
  };
}

/** What an echo server does with a connection: every message goes back as it came. */
export function echo(ws: WebSocket): void {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
}
