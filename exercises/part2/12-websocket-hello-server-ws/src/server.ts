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
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { clientAddress } from './client-address.ts';
import { startHeartbeat } from './heartbeat.ts';

/**
 * Backpressure: when more than this many bytes would wait to be sent to one client, the server
 * stops reading from that client until they are written. Room for a few large echoes in flight:
 * with 1 MiB here, each echo of a 1 MiB message stopped the reading, and a client sending such
 * messages back to back got half the throughput (docs/benchmarks.md).
 */
export const WRITE_BUFFER_LIMIT = 4 * 1024 * 1024;

/** On shutdown, how long clients get to answer the close frame before they are cut. */
export const SHUTDOWN_GRACE_MS = 1500;

/**
 * A socket error listener that does nothing, made once. A `() => {}` written inside the upgrade
 * handler would keep that handler's variables alive as long as the socket - the whole HTTP
 * request with its headers, about 1,200 bytes per connection (measured with a heap snapshot).
 */
function ignoreError(): void {}

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
    socket.on('error', ignoreError); // a client that vanishes mid-handshake is not our error
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
  //    The handlers below are made once per server, not once per connection: ws calls each with
  //    the connection as `this`. An idle connection then holds no functions of its own, which
  //    keeps its memory level with plain ws (docs/benchmarks.md).
  const peers = new WeakMap<WebSocket, string>(); // `127.0.0.1:52344`, for log lines
  // Each client's IP address, as TCP sees it (src/client-address.ts), never X-Forwarded-For.
  const addresses = new WeakMap<WebSocket, string>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    peers.set(ws, describePeer(request.socket));
    const address = clientAddress(request.socket);
    addresses.set(ws, address);
    ws.on('error', onError);
    ws.on('close', onClose);
    ws.on('message', onMessage);
    try {
      log.event?.(`connected: ${peers.get(ws)} (${wss.clients.size} open)`);
      // The greeting, as a text message, before the client has sent anything: once the
      // connection is open either side may send first (RFC 6455 §1.2).
      ws.send(`Hello! Your IP is ${address}`);
    } catch (error) {
      fail(ws, error);
    }
  });

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    try {
      // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
      const message = data as Buffer;
      log.event?.(`Received from ${addresses.get(this)}: ${describeMessage(message, isBinary)}`);
      // Backpressure: a client that sends faster than it reads would fill our memory with echoes
      // it has not read yet. When this echo takes what waits to be sent past the limit, stop
      // reading from the client until the echo is written (ws calls back then).
      if (this.isPaused || this.bufferedAmount + message.length <= WRITE_BUFFER_LIMIT) {
        this.send(message, { binary: isBinary });
        return;
      }
      this.pause();
      this.send(message, { binary: isBinary }, () => {
        log.event?.(`resumed reading from ${peers.get(this)}`);
        this.resume();
      });
      log.event?.(
        `paused reading from ${peers.get(this)}: ${this.bufferedAmount} bytes wait to be sent`,
      );
    } catch (error) {
      fail(this, error);
    }
  }

  function onError(this: WebSocket, error: Error): void {
    log.event?.(`error from ${peers.get(this)}: ${error.message}`);
  }

  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    log.event?.(`disconnected: ${peers.get(this)}, ${describeClose(code, reason)}`);
  }

  // A bug in our own code while handling a client fails that connection alone, with 1011
  // (Internal Error, RFC 6455 §7.4.1); the details go to our log, not to the client. Without
  // the try/catch above, one exception would end the process and cut every client.
  function fail(ws: WebSocket, error: unknown): void {
    log.info(`internal error with ${peers.get(ws)}, closing with 1011: ${describeError(error)}`);
    ws.close(1011);
  }

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
