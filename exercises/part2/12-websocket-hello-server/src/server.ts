import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  createHttpServer,
  createLog,
  describeMessage,
  describePeer,
  Inspectors,
  listen,
  peerAddress,
  playgroundPage,
  type RunningServer,
  refuseBadRequest,
  refuseUpgrade,
  requestPath,
  type ServerOptions,
  servePage,
  upgradeRequired,
} from 'support';
import { type ConnectionOptions, WebSocketConnection } from './connection.ts';
import { inspectConnection } from './inspect.ts';
import { answerUpgrade } from './upgrade.ts';

// The dials: where this server listens, what it allows, how long it waits. DEFAULT_PORT,
// HEARTBEAT_INTERVAL_MS and MAX_PAYLOAD are defaults, which a flag or an environment variable
// changes for one run (PORT, HEARTBEAT_INTERVAL, MAX_PAYLOAD: see `--help`).

/** Where this server speaks WebSocket; every other path is plain HTTP (steps 1 and 3). */
export const WEBSOCKET_PATH = '/ws';
/** The port it listens on, unless PORT or --port says otherwise. */
export const DEFAULT_PORT = 8080;
/**
 * A ping to every client this often (HEARTBEAT_INTERVAL): TCP alone never notices a peer that
 * vanished, and a quiet connection may be closed by a proxy on the way (the heartbeat, below).
 */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/**
 * The largest message (MAX_PAYLOAD): a bigger one closes with 1009, so that no client can fill
 * the server's memory.
 */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/**
 * Backpressure: once this many bytes wait to be sent to one client, stop reading from it (step 5
 * in src/connection.ts). Room for a few large echoes in flight: with 1 MiB, every echo of a
 * 1 MiB message that the network could not take at once stopped the reading (docs/benchmarks.md).
 */
export const WRITE_BUFFER_LIMIT = 4 * 1024 * 1024;
/**
 * Fairness: the most time one client gets before every other connection has a turn (step 6 in
 * src/connection.ts).
 */
export const TIME_PER_TURN_MS = 1;
/**
 * Once our close frame is sent, how long the client has to answer it and close TCP before the
 * connection is cut (step 7 in src/connection.ts). `ws` waits 30 s; this server gives clients
 * 1.5 s at shutdown, and no more reason to wait longer here.
 */
export const CLOSE_TIMEOUT_MS = 5000;
/**
 * Closing the listening socket stops new connections but leaves open WebSockets open: each one
 * gets a close frame with 1001, "going away, such as a server going down" (RFC 6455 §7.4.1).
 */
export const SHUTDOWN_CODE = 1001;
export const SHUTDOWN_REASON = 'server shutting down';
/** How long clients get to answer that close frame before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 1500;

export interface HelloServer extends RunningServer {
  /** Open connections, and the bytes held for them (waiting to be sent, or still arriving). */
  stats(): { connections: number; bufferedBytes: number };
}

/**
 * A WebSocket server written by hand that greets each client with its IP address, then echoes:
 * `node:http` for the HTTP part, `shared` for RFC 6455, no WebSocket library.
 */
export async function createHelloServer(options: ServerOptions): Promise<HelloServer> {
  const log = createLog(options);
  const connections = new Set<WebSocketConnection>();

  // 1. The HTTP server. Every WebSocket connection starts as one of its requests; the plain ones
  //    are answered here (answerHttp, below): the browser page at /, 426 Upgrade Required at
  //    WEBSOCKET_PATH, 404 anywhere else. support does the rest: TLS with --tls-cert, 421 for a
  //    request that names a host this server does not answer for (DNS rebinding), and 408 for a
  //    request not complete within the handshake timeout. The page shows a frame inspector: a
  //    page subscribes to /inspect/<id> (support), and its WebSocket, /ws?inspect=<id>, is shown
  //    to it (src/inspect.ts); --no-inspector turns it off.
  const inspectors = new Inspectors({ enabled: options.inspector });
  const page = playgroundPage(
    options.name,
    inspectors.enabled ? 'inspector' : 'off',
    WEBSOCKET_PATH,
  );
  const http = createHttpServer({ ...options, inspectors }, answerHttp);
  function answerHttp(request: IncomingMessage, response: ServerResponse): void {
    const path = requestPath(request);
    if (path === '/') servePage(request, response, page);
    else if (path === WEBSOCKET_PATH) upgradeRequired(request, response);
    else {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`Not found. The WebSocket endpoint is ${WEBSOCKET_PATH}.\n`);
    }
  }

  // 2. The echo: every message goes back to its sender with its type, and the log says who sent
  //    it. This, and the rest of what every connection shares, is made once for the server.
  const connectionOptions: ConnectionOptions = {
    maxPayload: options.maxPayload,
    writeBufferLimit: WRITE_BUFFER_LIMIT,
    timePerTurnMs: TIME_PER_TURN_MS,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    trace: options.trace,
    log,
    onMessage(connection, type, data) {
      log.event?.(
        `Received from ${connection.address}: ${describeMessage(data, type === 'binary')}`,
      );
      connection.send(type, data);
    },
    onClose: (connection) => connections.delete(connection),
  };

  // 3. An upgrade request: check where it goes and the handshake, answer 101, and the socket is
  //    ours: from now on it carries frames (src/connection.ts).
  //    A socket error (a client that vanished, a reset) is logged, never thrown: one listener,
  //    made once, for every socket from its upgrade request on.
  function onSocketError(this: Socket, error: Error): void {
    log.event?.(`socket error from ${describePeer(this)}: ${error.message}`);
  }
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', onSocketError);
    // 400 for HTTP/1.0 or a broken Host, 421 for a host not ours: support's checks, first.
    if (refuseBadRequest(request, socket, options)) return;
    // WebSocket is spoken at WEBSOCKET_PATH only.
    const path = requestPath(request);
    if (path !== WEBSOCKET_PATH) {
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}; use ${WEBSOCKET_PATH}`);
      return;
    }
    const peer = describePeer(socket);
    const upgraded = answerUpgrade(request, socket, {
      allowedOrigins: options.allowedOrigins,
      trace: options.trace,
      log,
      peer,
    });
    if (!upgraded) return;

    // The address TCP sees, never the X-Forwarded-For header, which any client can send with
    // any address in it (see the README).
    const address = peerAddress(socket);
    const inspect = inspectConnection(inspectors, request, socket); // undefined: no page watches
    const connection = new WebSocketConnection(
      socket,
      { peer, address },
      connectionOptions,
      inspect,
    );
    connections.add(connection);

    // 4. The greeting: right after the 101, before the client has said anything, the server
    //    speaks first - once the handshake is done, either side may send a frame at any time.
    //    This is our own code running for one client: if it throws, that client alone gets
    //    1011, as for an error while handling a message.
    try {
      log.event?.(`connected: ${peer} (${connections.size} open)`);
      connection.send('text', `Hello! Your IP is ${address}`);
    } catch (error) {
      connection.fail(error);
    }
    // Only now the bytes that came with the request (a client may send its first frame along
    // with the upgrade request), then the socket's: the greeting is the first message, whatever
    // the client sent.
    connection.start(head);
  });

  // 5. The heartbeat. TCP alone does not notice a client that vanished (a pulled cable, a laptop
  //    lid closed): nothing is sent, so nothing fails. Every interval, each client gets a ping;
  //    one that has sent nothing at all since the previous ping - no pong, no other bytes - is
  //    gone, and is cut without a closing handshake it could not answer either.
  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (connection.awaitingPong) {
        log.event?.(`no pong from ${connection.peer}: terminating the connection`);
        connection.terminate();
        continue;
      }
      connection.awaitingPong = true; // cleared by any bytes from the client
      connection.ping();
    }
  }, options.heartbeatInterval);

  // 6. Listen: on both loopback addresses by default (see listen in support).
  const listening = await listen(http, { ...options, path: WEBSOCKET_PATH });

  return {
    url: listening.url,
    port: listening.port,

    stats() {
      let bufferedBytes = 0;
      for (const connection of connections) bufferedBytes += connection.bufferedBytes;
      return { connections: connections.size, bufferedBytes };
    },

    // 7. The shutdown: stop listening, then close every open connection with 1001 and wait for
    //    the answers - but no longer than SHUTDOWN_GRACE_MS. Whoever has not answered by then
    //    is cut.
    async close() {
      clearInterval(heartbeat);
      listening.close();
      const allClosed = Promise.all(
        [...connections].map((connection) => {
          connection.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
          return connection.closed;
        }),
      );
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      });
      await Promise.race([allClosed, graceOver]);
      clearTimeout(graceTimer);
      // Their sockets close a moment later; close() resolves once every one has.
      for (const connection of connections) connection.terminate();
      http.closeAllConnections(); // sockets still in their handshake, or asking for the page
      await allClosed;
    },
  };
}
