/**
 * The servers the client's tests talk to, made here, each small and doing only what a test needs:
 *
 * - an echo server and a greeting server built with `ws`: a WebSocket implementation written by
 *   other people, so a frame this client gets wrong is refused by someone who did not write it;
 * - an echo server written by hand on shared's `WebSocketProtocol` (role 'server'), which sends
 *   each frame as a header and a payload in two writes.
 *
 * Each logs what it received and how each connection ended, as `Received: ...` and
 * `disconnected: 127.0.0.1:PORT, code 1000 (Normal Closure)` lines a test can wait for. The
 * lesson's own servers are not used here: the hand-written server's interop with `ws` clients is
 * tested in the native-server exercise, and these tests depend on no other exercise.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { acceptResponse, WebSocketProtocol } from 'shared';
import {
  describeClose,
  describeMessage,
  describePeer,
  listen,
  peerAddress,
  refuseBadRequest,
  refuseUpgrade,
  requestPath,
} from 'support';
import { LineWatcher, startScriptedServer } from 'support/testing';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestServer {
  /** `ws://localhost:PORT/ws` (both loopback addresses), or `ws://127.0.0.1:PORT/ws`. */
  url: string;
  port: number;
  /** What the server received, and how each connection ended. */
  log: LineWatcher;
  /** Says goodbye to every client with 1001 (Going Away), waits for them, then stops. */
  shutDown(): Promise<void>;
  /** Cuts every connection and stops listening: for the end of a test. */
  stop(): void;
}

const SHUTDOWN_CODE = 1001;
const SHUTDOWN_REASON = 'server shutting down';

/**
 * A `ws` server behind node:http, on 127.0.0.1 and ::1: it upgrades requests for /ws (404 for
 * another path, 400 for a bad Host) and hands each connection to `onConnection`.
 */
async function startWsServer(
  onConnection: (ws: WebSocket, request: IncomingMessage, log: LineWatcher) => void,
): Promise<TestServer> {
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
      const peer = describePeer(request.socket);
      ws.on('close', (code, reason) =>
        log.push(`disconnected: ${peer}, ${describeClose(code, reason)}`),
      );
      onConnection(ws, request, log);
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
        for (const ws of clients) ws.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
        await Promise.all(clients.map((ws) => once(ws, 'close')));
        stop();
      })();
      return shutDown;
    },
  };
}

/** Echoes every message with `ws`, text as text and binary as binary. */
export function startEchoServer(): Promise<TestServer> {
  return startWsServer((ws, _request, log) => {
    ws.on('message', (data, isBinary) => {
      // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
      log.push(`Received: ${describeMessage(data as Buffer, isBinary)}`);
      ws.send(data, { binary: isBinary });
    });
  });
}

/** Greets each client with its address first, then echoes, with `ws`. */
export function startGreetingServer(): Promise<TestServer> {
  return startWsServer((ws, request, log) => {
    const address = peerAddress(request.socket);
    ws.send(`Hello! Your IP is ${address}`);
    ws.on('message', (data, isBinary) => {
      log.push(`Received from ${address}: ${describeMessage(data as Buffer, isBinary)}`);
      ws.send(data, { binary: isBinary });
    });
  });
}

/**
 * An echo server by hand, on 127.0.0.1: a raw TCP server (startScriptedServer) answers the
 * upgrade request with a correct 101, and shared's `WebSocketProtocol` does the rest.
 */
export async function startHandMadeEchoServer(): Promise<TestServer> {
  const log = new LineWatcher();
  const connections = new Map<Socket, WebSocketProtocol>();
  const write = (socket: Socket, frame: Buffer[] | undefined) => {
    if (frame === undefined || socket.destroyed) return;
    for (const part of frame) socket.write(part);
  };
  const server = await startScriptedServer((socket, key) => {
    socket.write(acceptResponse(key));
    const protocol = new WebSocketProtocol({ role: 'server' });
    const peer = describePeer(socket);
    connections.set(socket, protocol);
    socket.once('close', () => connections.delete(socket));
    socket.on('data', (chunk: Buffer) =>
      protocol.receive(chunk, (event) => {
        switch (event.type) {
          case 'text':
          case 'binary':
            log.push(`Received: ${describeMessage(event.data, event.type === 'binary')}`);
            write(socket, protocol.send(event.type, event.data));
            break;
          case 'send':
            write(socket, event.frame);
            break;
          case 'closed':
            log.push(`disconnected: ${peer}, ${describeClose(event.code, event.reason)}`);
            socket.end(); // RFC 6455 §7.1.1: the server closes TCP first
            break;
        }
      }),
    );
  });

  let shutDown: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    log,
    stop: () => server.close(),
    shutDown() {
      shutDown ??= (async () => {
        const sockets = [...connections.keys()];
        for (const [socket, protocol] of connections) {
          write(socket, protocol.close(SHUTDOWN_CODE, SHUTDOWN_REASON));
        }
        await Promise.all(sockets.map((socket) => once(socket, 'close')));
        server.close();
      })();
      return shutDown;
    },
  };
}
