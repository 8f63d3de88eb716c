import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  createHttpServer,
  createLog,
  describeClose,
  describeError,
  describeMessage,
  describePeer,
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
import {
  type RawData,
  type WebSocket,
  WebSocketServer,
  type ServerOptions as WsServerOptions,
} from 'ws';
import { startHeartbeat } from './heartbeat.ts';

// The dials: where this server listens, what it allows, how long it waits. DEFAULT_PORT,
// HEARTBEAT_INTERVAL_MS and MAX_PAYLOAD are defaults, which a flag or an environment variable
// changes for one run (PORT, HEARTBEAT_INTERVAL, MAX_PAYLOAD: see `--help`).

/** Where this server speaks WebSocket; every other path is plain HTTP (steps 1 and 3). */
export const WEBSOCKET_PATH = '/ws';
/** The port it listens on, unless PORT or --port says otherwise. */
export const DEFAULT_PORT = 8080;
/**
 * A ping to every client this often (HEARTBEAT_INTERVAL): TCP alone never notices a peer that
 * vanished, and a quiet connection may be closed by a proxy on the way (step 5).
 */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/**
 * The largest message (MAX_PAYLOAD): a bigger one closes with 1009, so that no client can fill
 * the server's memory.
 */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/**
 * Backpressure: once this many bytes wait to be sent to one client, stop reading from it (step
 * 4). Room for a few large echoes in flight: with 1 MiB, each echo of a 1 MiB message stopped the
 * reading, and a client sending such messages back to back got half the throughput
 * (docs/benchmarks.md).
 */
export const WRITE_BUFFER_LIMIT = 4 * 1024 * 1024;
/** Fairness: the most time one client gets before every other connection has a turn (step 4). */
export const TIME_PER_TURN_MS = 1;
/**
 * How many pongs may wait to be written before ws cuts a client that pings and never reads
 * (step 2).
 */
export const MAX_PENDING_PONGS = 1024;
/** On shutdown, how long clients get to answer the close frame before they are cut (step 7). */
export const SHUTDOWN_GRACE_MS = 1500;

/**
 * What waits to be sent must be what the limit counts. ws hands over a message as a view into
 * the read it came in (up to 64 KiB) and sends it back as it is, so a waiting echo keeps that
 * whole read alive while `bufferedAmount` counts only the message. While nothing waits, the
 * kernel takes an echo at once and keeps none of our memory; once something waits, an echo is
 * copied into memory of its own unless it is at least this share of the memory it lies in. So at
 * most one echo waits as a view (see onMessage).
 */
const ECHO_AS_IS_SHARE = 15 / 16;

/**
 * `message`, or a copy in memory of its own when something already waits to be sent and it is a
 * small part of the memory it lies in (see ECHO_AS_IS_SHARE). Not Buffer.from: it cuts a copy
 * under 4 KiB out of Node's shared 8 KiB pool, and a waiting one would keep its whole pool slab
 * alive (1.16 times what is counted, measured with 1 KiB echoes).
 */
function echoOf(ws: WebSocket, message: Buffer): Buffer {
  if (ws.bufferedAmount === 0) return message;
  if (message.length >= message.buffer.byteLength * ECHO_AS_IS_SHARE) return message;
  const copy = Buffer.allocUnsafeSlow(message.length);
  message.copy(copy);
  return copy;
}

/**
 * A socket error listener that does nothing, made once. A `() => {}` written inside the upgrade
 * handler would keep that handler's variables alive as long as the socket - the whole HTTP
 * request with its headers, about 1,200 bytes per connection (measured with a heap snapshot).
 */
function ignoreError(): void {}

/** When ws's handling of the current chunk began: see beforeWs. */
let chunkStarted = 0;

/**
 * Runs before ws's own 'data' listener, for every chunk of every connection (see step 4): corks
 * the socket and notes the time. Made once, like ignoreError. The listeners of one chunk run one
 * after the other with nothing in between, so one variable holds when the current one began.
 */
function beforeWs(this: Socket): void {
  this.cork();
  chunkStarted = performance.now();
}

/**
 * An HTTP server whose WebSocket endpoint (WEBSOCKET_PATH) greets each client with its IP
 * address, then echoes every message, using the `ws` library: echo-server's code plus the
 * greeting (step 4).
 */
export async function createHelloServer(options: ServerOptions): Promise<RunningServer> {
  const log = createLog(options);

  // 1. The HTTP server. Every WebSocket connection starts as one of its requests; the plain ones
  //    are answered here (answerHttp, below): the browser page at /, 426 Upgrade Required at
  //    WEBSOCKET_PATH, 404 anywhere else. support does the rest: TLS with --tls-cert, and 421
  //    for a request that names a host this server does not answer for (DNS rebinding).
  const page = playgroundPage(options.name, 'library', WEBSOCKET_PATH);
  const http = createHttpServer(options, answerHttp);
  function answerHttp(request: IncomingMessage, response: ServerResponse): void {
    const path = requestPath(request);
    if (path === '/') servePage(request, response, page);
    else if (path === WEBSOCKET_PATH) upgradeRequired(request, response);
    else {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`Not found. The WebSocket endpoint is ${WEBSOCKET_PATH}.\n`);
    }
  }

  // 2. The WebSocket server. `noServer`: it does not listen itself; step 3 hands it the upgrade
  //    requests it should take. `maxPayload`: a bigger message closes the connection with 1009
  //    (Message Too Big). ws keeps every open connection in `wss.clients`.
  //    `maxPendingAutoPongs`: ws answers every ping with a pong by itself, and keeps count of the
  //    pongs whose write has not completed yet; a ping that finds this many of them (60 by
  //    default) ends the connection, without a close frame. A write completes only once the whole
  //    read it came from has been handled, so with 60, a client that sent 100 pings in one write
  //    was cut after 60 pongs, even though it read every one. MAX_PENDING_PONGS, 1,024, answers
  //    any burst of pings a client has a reason to send, and still cuts a client that pings and
  //    never reads soon: its waiting pongs hold about 0.4 MiB (at most 127 bytes each, and about
  //    300 bytes of ws's bookkeeping), a tenth of the write limit. Sized to the write limit
  //    instead (33,026), each such client held about 14 MB and lived for seconds, and `pnpm soak`
  //    found echo-server at twice its peak memory and its newcomers waiting (bench/notes.md,
  //    2026-12-07). (@types/ws does not list maxPendingAutoPongs yet; ws 8.23 reads it.)
  const wsOptions: WsServerOptions & { maxPendingAutoPongs: number } = {
    noServer: true,
    maxPayload: options.maxPayload,
    maxPendingAutoPongs: MAX_PENDING_PONGS,
  };
  const wss = new WebSocketServer(wsOptions);

  // 3. The upgrade: a request with `Upgrade: websocket` and `Connection: Upgrade` comes here
  //    instead of to the page.
  http.on('upgrade', (request: IncomingMessage, socket, head) => {
    socket.on('error', ignoreError); // a client that vanishes mid-handshake is not our error
    // 400 for HTTP/1.0 or a missing, repeated or malformed Host (RFC 9110 §7.2), 421 for a
    // host that is not loopback while listening on loopback (DNS rebinding): support checks
    // what every server must, before anything else.
    if (refuseBadRequest(request, socket, options)) return;
    // WebSocket is spoken at WEBSOCKET_PATH only.
    const path = requestPath(request);
    if (path !== WEBSOCKET_PATH) {
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}; use ${WEBSOCKET_PATH}`);
      return;
    }
    // Origins: a browser says which site's page opens the connection, and a page cannot change
    // it. With ALLOWED_ORIGINS set, pages from other sites, and clients that send no Origin,
    // are refused with 403 (REFERENCE.md, "Origins").
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
  //    the connection as `this`. What each connection needs of its own is one small record, and
  //    one socket listener for fairness; its memory stays close to plain ws (docs/benchmarks.md).
  interface Client {
    /** `127.0.0.1:52344`, for log lines. */
    peer: string;
    /** Its IP address, for the greeting and the log lines: `127.0.0.1`. */
    address: string;
    /** Reading is stopped for backpressure (in onMessage)... */
    paused: boolean;
    /** ...or until the next turn of the event loop (fairness, in takeTurn). */
    waitingForTurn: boolean;
    /** Milliseconds spent on this client since it last let the others have a turn. */
    timeThisTurn: number;
  }
  const clients = new WeakMap<WebSocket, Client>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    // Like onMessage, this is our own code running for one client: if it throws, that client
    // alone is closed with 1011 (fail, below), and every other one is served on.
    try {
      const client = {
        peer: describePeer(request.socket),
        // The address TCP sees, never the X-Forwarded-For header, which any client can send
        // with any address in it (see the README).
        address: peerAddress(request.socket),
        paused: false,
        waitingForTurn: false,
        timeThisTurn: 0,
      };
      clients.set(ws, client);
      ws.on('error', onError);
      ws.on('close', onClose);
      ws.on('message', onMessage);
      // ws reads the socket with its own 'data' listener, and handles each chunk in it, messages
      // and echoes included. One listener put before it (beforeWs) notes the time and corks the
      // socket; one after it uncorks it and counts the time ws took, for fairness. Corked, what ws
      // writes meanwhile - a pong for each ping, an echo for each message - goes out in one write
      // at the end, not one system call each: answering a ping flood costs far less, and echoing
      // many small messages at once is about twice as fast (bench/notes.md, 2026-12-07).
      request.socket.prependListener('data', beforeWs);
      request.socket.on('data', () => {
        request.socket.uncork();
        takeTurn(ws, client, performance.now() - chunkStarted);
      });
      log.event?.(`connected: ${client.peer} (${wss.clients.size} open)`);
      // The greeting, as a text message, before the client has sent anything: once the
      // connection is open either side may send first (RFC 6455 §1.2).
      ws.send(`Hello! Your IP is ${client.address}`);
    } catch (error) {
      fail(ws, error);
    }
  });

  // Fairness. ws parses each chunk as soon as it is read, and Node reads a socket 64 KiB at a
  // time, up to 32 times in a row while bytes keep coming, before it looks at any other socket
  // (libuv). A client that floods us with the smallest frames there are - an empty masked frame
  // is 6 bytes (RFC 6455 §5.2), over 10,000 in 64 KiB: pings to answer, or pongs nobody asked
  // for (§5.5.3) - would then hold the event loop for a millisecond or more per read, and a few
  // such clients for seconds: no echo for anyone else, no new handshake answered. So once a
  // client has had TIME_PER_TURN_MS of the server's time, stop reading from it, and resume in
  // setImmediate - after the event loop has polled every other socket once.
  // Time, not bytes: what a byte costs depends on what it is. 64 KiB of one large message is
  // unmasked and copied in well under a millisecond; 64 KiB of empty frames is 10,000 events.
  function takeTurn(ws: WebSocket, client: Client, milliseconds: number): void {
    client.timeThisTurn += milliseconds;
    if (client.timeThisTurn < TIME_PER_TURN_MS || client.waitingForTurn) return;
    client.waitingForTurn = true;
    ws.pause();
    setImmediate(() => {
      client.waitingForTurn = false;
      client.timeThisTurn = 0;
      if (!client.paused) ws.resume();
    });
  }

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const client = clients.get(this);
    try {
      // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer: a view
      // into the read it came in, copied if it might keep that read alive (echoOf). A client
      // sending a message among pongs in each 64 KiB read, and never reading, would otherwise
      // make us hold 64 KiB per echo while counting the message's bytes.
      const message = echoOf(this, data as Buffer);
      log.event?.(`Received from ${client?.address}: ${describeMessage(message, isBinary)}`);
      // Backpressure: a client that sends faster than it reads would fill our memory with echoes
      // it has not read yet. When this echo takes what waits to be sent past the limit, stop
      // reading from the client until the echo is written (ws calls back then).
      if (!client || client.paused || this.bufferedAmount + message.length <= WRITE_BUFFER_LIMIT) {
        this.send(message, { binary: isBinary });
        return;
      }
      client.paused = true;
      this.pause();
      this.send(message, { binary: isBinary }, () => {
        client.paused = false;
        log.event?.(`resumed reading from ${client.peer}`);
        if (!client.waitingForTurn) this.resume();
      });
      log.event?.(
        `paused reading from ${client.peer}: ${this.bufferedAmount} bytes wait to be sent`,
      );
    } catch (error) {
      fail(this, error);
    }
  }

  function onError(this: WebSocket, error: Error): void {
    log.event?.(`error from ${clients.get(this)?.peer}: ${error.message}`);
  }

  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    log.event?.(`disconnected: ${clients.get(this)?.peer}, ${describeClose(code, reason)}`);
  }

  // A bug in our own code while handling a client fails that connection alone, with 1011
  // (Internal Error, RFC 6455 §7.4.1); the details go to our log, not to the client. Without
  // the try/catch above, one exception would end the process and cut every client.
  function fail(ws: WebSocket, error: unknown): void {
    log.info(
      `internal error with ${clients.get(ws)?.peer}, closing with 1011: ${describeError(error)}`,
    );
    ws.close(1011);
  }

  // 5. The heartbeat (src/heartbeat.ts): a ping to every client every HEARTBEAT_INTERVAL ms; a
  //    client that shows no sign of life until the next round is terminated.
  const stopHeartbeat = startHeartbeat(wss, options.heartbeatInterval, log);

  // 6. Listen (from support): on localhost by default, or on HOST.
  const listening = await listen(http, { ...options, path: WEBSOCKET_PATH });

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
