import type { IncomingMessage } from 'node:http';
import {
  createHttpServer,
  createLog,
  describeClose,
  describeError,
  describeMessage,
  describePeer,
  listen,
  type RunningServer,
  refuseBadTarget,
  refuseUpgrade,
  type ServerOptions,
} from 'support';
import { type WebSocket, WebSocketServer } from 'ws';
import { clientAddress } from './client-address.ts';
import { startHeartbeat } from './heartbeat.ts';

/**
 * Backpressure: when this many bytes wait to be sent to one client, the server stops reading
 * from that client until they are written.
 */
export const WRITE_BUFFER_LIMIT = 1024 * 1024;

/**
 * Fairness: the most bytes of one client handled before every other connection gets a turn.
 * ws parses each chunk as soon as it is read, and Node reads a socket 64 KiB at a time, up to 32
 * times in a row while bytes keep coming, before it looks at any other socket (libuv). A client
 * that floods us with the smallest frames there are - an empty masked frame is 6 bytes (RFC 6455
 * §5.2), over 10,000 in 64 KiB: pings to answer, or pongs nobody asked for (§5.5.3) - would then
 * hold the event loop for tens of milliseconds per read, and a few such clients for seconds: no
 * echo for anyone else, no new handshake answered. Once a client has had this many bytes
 * handled, reading from it pauses until the next turn of the event loop.
 */
export const BYTES_PER_TURN = 64 * 1024;

/** On shutdown, how long clients get to answer the close frame before they are cut. */
export const SHUTDOWN_GRACE_MS = 1500;

/**
 * An HTTP server whose /ws endpoint greets each client with its IP address, then echoes every
 * WebSocket message, using the `ws` library: echo-server's code plus the greeting (step 4).
 */
export async function createHelloServer(options: ServerOptions): Promise<RunningServer> {
  const log = createLog(options);

  // 1. The HTTP server (from support): the page at /, 426 for a plain GET /ws, 404 for the rest,
  //    TLS with --tls-cert. Every WebSocket connection starts as one of its requests.
  const http = createHttpServer(options);

  // 2. The WebSocket server. `noServer`: it does not listen itself; step 3 hands it the upgrade
  //    requests it should take. `maxPayload`: a bigger message closes the connection with 1009
  //    (Message Too Big). ws keeps every open connection in `wss.clients`.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });

  // 3. The upgrade: a request with `Upgrade: websocket` and `Connection: Upgrade` comes here
  //    instead of to the page.
  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    socket.on('error', () => {}); // a client that vanishes mid-handshake is not our error
    // 400 for a missing, repeated or malformed Host (RFC 9110 §7.2), 404 for a path but /ws.
    if (refuseBadTarget(request, socket)) return;
    // Origins: a browser says which site's page opens the connection, and a page cannot change
    // it. With ALLOWED_ORIGINS set, pages from other sites, and clients that send no Origin,
    // are refused with 403 (see the README).
    const origin = request.headers.origin;
    if (options.allowedOrigins && !options.allowedOrigins.includes(origin ?? '')) {
      log.event?.(`refused ${describePeer(request.socket)}: origin ${origin ?? '(none)'}`);
      refuseUpgrade(socket, 403, `origin ${origin ?? '(none)'} is not allowed`);
      return;
    }
    // ws checks the rest of the handshake (400 for a bad one, 405 for another method than GET)
    // and answers 101.
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  // 4. One connection: greet the client, then echo every message back with its type.
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const peer = describePeer(request.socket);
    // Its IP address, as TCP sees it (src/client-address.ts), never X-Forwarded-For.
    const address = clientAddress(request.socket);
    ws.on('error', (error) => log.event?.(`error from ${peer}: ${error.message}`));
    ws.on('close', (code, reason) => {
      log.event?.(`disconnected: ${peer}, ${describeClose(code, reason)}`);
    });

    // A bug in our own code while handling this client fails this connection alone, with 1011
    // (Internal Error, RFC 6455 §7.4.1); the details go to our log, not to the client. Without
    // the try/catch below, one exception would end the process and cut every client.
    const fail = (error: unknown) => {
      log.info(`internal error with ${peer}, closing with 1011: ${describeError(error)}`);
      ws.close(1011);
    };

    try {
      log.event?.(`connected: ${peer} (${wss.clients.size} open)`);
      // The greeting, as a text message, before the client has sent anything: once the
      // connection is open either side may send first (RFC 6455 §1.2).
      ws.send(`Hello! Your IP is ${address}`);
    } catch (error) {
      fail(error);
    }

    // Reading from this client stops for either of two reasons, and goes on when neither holds:
    // backpressure (`paused`, below) and fairness (`waitingForTurn`).
    let paused = false;
    let waitingForTurn = false;

    // Fairness: after BYTES_PER_TURN bytes from this client (ws has handled them by now: its own
    // 'data' listener comes first), stop reading from it, and resume in setImmediate - after the
    // event loop has polled every other socket once. A client that sends less than that in a
    // turn never notices. Bytes are the measure because every frame costs at least 6 of them.
    let bytesThisTurn = 0;
    request.socket.on('data', (chunk: Buffer) => {
      bytesThisTurn += chunk.length;
      if (bytesThisTurn < BYTES_PER_TURN || waitingForTurn) return;
      waitingForTurn = true;
      ws.pause();
      setImmediate(() => {
        waitingForTurn = false;
        bytesThisTurn = 0;
        if (!paused) ws.resume();
      });
    });

    ws.on('message', (data, isBinary) => {
      try {
        // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
        const message = data as Buffer;
        log.event?.(`Received from ${address}: ${describeMessage(message, isBinary)}`);
        ws.send(message, { binary: isBinary }, () => {
          // Written to the socket: resume reading once the backlog is small again.
          if (paused && ws.bufferedAmount < WRITE_BUFFER_LIMIT) {
            paused = false;
            log.event?.(`resumed reading from ${peer}`);
            if (!waitingForTurn) ws.resume();
          }
        });
        // Backpressure: a client that sends faster than it reads would fill our memory with
        // echoes it has not read yet. Stop reading from it until they are written.
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

  // 5. The heartbeat (src/heartbeat.ts): a ping to every client every HEARTBEAT_INTERVAL ms; a
  //    client that shows no sign of life until the next round is terminated.
  const stopHeartbeat = startHeartbeat(wss, options.heartbeatInterval, log);

  // 6. Listen (from support): on localhost by default, or on HOST.
  const listening = await listen(http, options);

  // 7. Shutting down. Closing the listening socket stops new connections but leaves the open
  //    WebSockets open: each client is sent a close frame with 1001 (Going Away, RFC 6455
  //    §7.4.1) and gets SHUTDOWN_GRACE_MS to answer it; whoever has not answered by then is cut.
  async function close(): Promise<void> {
    stopHeartbeat();
    listening.close();
    const closed = [...wss.clients].map((ws) => {
      ws.close(1001, 'server shutting down');
      return new Promise<void>((resolve) => ws.once('close', () => resolve()));
    });
    // ws takes a client out of `wss.clients` once it is closed: those left have not answered.
    const cutTheRest = setTimeout(() => {
      for (const ws of wss.clients) ws.terminate();
    }, SHUTDOWN_GRACE_MS);
    await Promise.all(closed);
    clearTimeout(cutTheRest);
    // Plain HTTP connections kept open for reuse (a browser that loaded the page) close too.
    http.closeAllConnections();
  }

  return { url: listening.url, port: listening.port, close };
}
