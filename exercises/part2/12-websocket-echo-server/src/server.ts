import type { IncomingMessage } from 'node:http';
import {
  createHttpServer,
  createLog,
  describeClose,
  describeError,
  describeMessage,
  describePeer,
  type EchoHooks,
  listen,
  type Pingable,
  type RunningServer,
  refuseBadTarget,
  refuseUpgrade,
  type ServerOptions,
  SHUTDOWN_CODE,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_REASON,
  startHeartbeat,
  WRITE_BUFFER_LIMIT,
  withDeadline,
} from 'support';
import { type WebSocket, WebSocketServer } from 'ws';

/** An HTTP server whose /ws endpoint echoes every WebSocket message, using the `ws` library. */
export async function createEchoServer(
  options: ServerOptions,
  hooks: EchoHooks = {},
): Promise<RunningServer> {
  const log = createLog(options);

  // 1. The HTTP server: every WebSocket connection starts as an HTTP request.
  const http = createHttpServer(options);

  // 2. The WebSocket server. `noServer`: it does not listen itself; the HTTP server hands it the
  //    upgrade requests for /ws. `maxPayload`: a bigger message closes the connection with 1009.
  //    `clientTracking: false`: the `clients` map below keeps track of connections instead.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    clientTracking: false,
  });

  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    socket.on('error', () => {}); // a client that vanishes mid-handshake is not our error
    if (refuseBadTarget(request, socket)) return;
    // Origins: a browser says which site's page opens the connection, and a page cannot change
    // it. With ALLOWED_ORIGINS set, pages from other sites are refused (see the README).
    const origin = request.headers.origin;
    if (options.allowedOrigins && !options.allowedOrigins.includes(origin ?? '')) {
      log.event?.(`refused ${describePeer(request.socket)}: origin ${origin ?? '(none)'}`);
      refuseUpgrade(socket, 403, `origin ${origin ?? '(none)'} is not allowed`);
      return;
    }
    // ws checks the handshake (400 for a bad one) and answers 101 Switching Protocols.
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  // 3. One connection: echo every message back with its type, text as text, binary as binary.
  //    Each client is also remembered for the heartbeat (step 4) and for shutting down.
  const clients = new Map<WebSocket, Pingable>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const peer = describePeer(request.socket);
    const client: Pingable = {
      peer,
      awaitingPong: false,
      ping: () => ws.ping(),
      terminate: () => ws.terminate(),
    };
    clients.set(ws, client);
    // Any bytes from the client prove it is there, not only a pong: a client in the middle of
    // sending one large frame cannot answer a ping until the frame is done (RFC 6455 §5.4).
    request.socket.on('data', () => {
      client.awaitingPong = false;
    });
    ws.on('error', (error) => log.event?.(`error from ${peer}: ${error.message}`));
    ws.on('close', (code, reason) => {
      clients.delete(ws);
      log.event?.(`disconnected: ${peer}, ${describeClose(code, reason)}`);
    });
    // A bug in our own code while handling this client fails this connection alone with 1011
    // (Internal Error); the details go to our log, not to the client.
    const fail = (error: unknown) => {
      log.info(`internal error with ${peer}, closing with 1011: ${describeError(error)}`);
      ws.close(1011);
    };

    let received = 'Received';
    try {
      log.event?.(`connected: ${peer} (${clients.size} open)`);
      if (hooks.greeting) ws.send(hooks.greeting(request.socket));
      received = hooks.receivedFrom?.(request.socket) ?? received;
    } catch (error) {
      fail(error);
    }

    let paused = false;
    ws.on('message', (data, isBinary) => {
      try {
        // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
        const message = data as Buffer;
        log.event?.(`${received}: ${describeMessage(message, isBinary)}`);
        ws.send(message, { binary: isBinary }, () => {
          // Written to the socket: resume reading once the backlog is small again.
          if (paused && ws.bufferedAmount < WRITE_BUFFER_LIMIT) {
            paused = false;
            log.event?.(`resumed reading from ${peer}`);
            ws.resume();
          }
        });
        // Backpressure: a client that sends faster than it reads would fill our memory with
        // echoes it has not read. Stop reading from it until they are written.
        if (!paused && ws.bufferedAmount >= WRITE_BUFFER_LIMIT) {
          paused = true;
          log.event?.(`paused reading from ${peer}: ${ws.bufferedAmount} bytes wait to be sent`);
          ws.pause();
        }
      } catch (error) {
        fail(error);
      }
    });
  });

  // 4. The heartbeat: ping every client; one that has not answered the previous ping by the next
  //    round is gone (TCP alone would not notice) and is terminated.
  const stopHeartbeat = startHeartbeat(() => clients.values(), options.heartbeatInterval, log);

  const listening = await listen(http, options);

  return {
    url: listening.url,
    port: listening.port,
    async close() {
      stopHeartbeat();
      listening.close();
      const closed = [...clients.keys()].map((ws) => {
        ws.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
        return new Promise((resolve) => ws.once('close', resolve));
      });
      await withDeadline(Promise.all(closed), SHUTDOWN_GRACE_MS);
      // Whoever did not answer in time is cut; their sockets close a moment later.
      for (const ws of clients.keys()) ws.terminate();
      http.closeAllConnections();
      await Promise.all(closed);
    },
  };
}
