import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  createHttpServer,
  createLog,
  describeMessage,
  describePeer,
  Inspectors,
  listen,
  type RunningServer,
  refuseBadTarget,
  type ServerOptions,
} from 'support';
import { type ConnectionOptions, WebSocketConnection } from './connection.ts';
import { clientAddress, greetingFor } from './greeting.ts';
import { inspectConnection } from './inspect.ts';
import { answerUpgrade } from './upgrade.ts';

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

  // 1. The HTTP server. Plain requests get the browser page at /, 426 at /ws, 404 elsewhere; a
  //    request that is not complete within the handshake timeout gets 408 and is dropped (see
  //    createHttpServer in support). The page shows a frame inspector: a page subscribes to
  //    /inspect/<id>, and its WebSocket, /ws?inspect=<id>, is shown to it (src/inspect.ts);
  //    --no-inspector turns it off.
  const inspectors = new Inspectors({ enabled: options.inspector });
  const http = createHttpServer({ ...options, inspectors });

  // 2. The echo: every message goes back to its sender with its type, and the log says who sent
  //    it. This, and the rest of what every connection shares, is made once for the server.
  const connectionOptions: ConnectionOptions = {
    maxPayload: options.maxPayload,
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
    if (refuseBadTarget(request, socket, options)) return; // a Host not ours, a path not /ws
    const peer = describePeer(socket);
    const upgraded = answerUpgrade(request, socket, {
      allowedOrigins: options.allowedOrigins,
      trace: options.trace,
      log,
      peer,
    });
    if (!upgraded) return;

    const address = clientAddress(socket);
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
    //    The address is what TCP says, never X-Forwarded-For (see clientAddress). This is our
    //    own code running for one client: if it throws, that client alone gets 1011, as for an
    //    error while handling a message.
    try {
      log.event?.(`connected: ${peer} (${connections.size} open)`);
      connection.send('text', greetingFor(address));
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
  const listening = await listen(http, options);

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
