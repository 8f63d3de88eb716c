import type { IncomingMessage } from 'node:http';
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
  type RunningServer,
  refuseBadTarget,
  refuseUpgrade,
  type ServerOptions,
} from 'support';
import {
  type RawData,
  type WebSocket,
  WebSocketServer,
  type ServerOptions as WsServerOptions,
} from 'ws';
import { startHeartbeat } from './heartbeat.ts';

/**
 * Backpressure: when more than this many bytes would wait to be sent to one client, the server
 * stops reading from that client until they are written. Room for a few large echoes in flight:
 * with 1 MiB here, each echo of a 1 MiB message stopped the reading, and a client sending such
 * messages back to back got half the throughput (docs/benchmarks.md).
 */
export const WRITE_BUFFER_LIMIT = 4 * 1024 * 1024;

/** The largest pong a server sends: 2 header bytes and at most 125 of payload (RFC 6455 §5.5). */
const MAX_PONG_FRAME_BYTES = 2 + 125;

/**
 * ws answers every ping with a pong by itself, and keeps count of the pongs whose write has not
 * completed yet: a ping that finds `maxPendingAutoPongs` of them (60 by default) ends the
 * connection, without a close frame. A write completes only once the whole read it came from
 * has been handled, so with 60, a client that sent 100 pings in one write was cut after 60
 * pongs, even though it read every one. Here the count is what fits in WRITE_BUFFER_LIMIT, at
 * the largest pong: 33,026, more than one 64 KiB read can ask for (10,922 empty pings). A client
 * that sends pings and never reads their pongs still makes the server hold no more than the
 * write limit's bytes of pongs before ws cuts it (plus ws's bookkeeping, about 300 bytes a pong).
 */
export const MAX_PENDING_PONGS = Math.floor(WRITE_BUFFER_LIMIT / MAX_PONG_FRAME_BYTES);

/**
 * Fairness: the most time the server spends on one client before every other connection gets a
 * turn. ws parses each chunk as soon as it is read, and Node reads a socket 64 KiB at a time, up
 * to 32 times in a row while bytes keep coming, before it looks at any other socket (libuv). A
 * client that floods us with the smallest frames there are - an empty masked frame is 6 bytes
 * (RFC 6455 §5.2), over 10,000 in 64 KiB: pings to answer, or pongs nobody asked for (§5.5.3) -
 * would then hold the event loop for a millisecond or more per read, and a few such clients for
 * seconds: no echo for anyone else, no new handshake answered. Once a client has had this much of
 * the server's time, reading from it pauses until the next turn of the event loop.
 *
 * Time, not bytes: what a byte costs depends on what it is. 64 KiB of one large message is
 * unmasked and copied in well under a millisecond; 64 KiB of empty frames is 10,000 events.
 */
export const TIME_PER_TURN_MS = 1;

/** On shutdown, how long clients get to answer the close frame before they are cut. */
export const SHUTDOWN_GRACE_MS = 1500;

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

/** An HTTP server whose /ws endpoint echoes every WebSocket message, using the `ws` library. */
export async function createEchoServer(options: ServerOptions): Promise<RunningServer> {
  const log = createLog(options);

  // 1. The HTTP server (from support): the page at /, 426 for a plain GET /ws, 404 for the rest,
  //    TLS with --tls-cert. Every WebSocket connection starts as one of its requests.
  const http = createHttpServer(options);

  // 2. The WebSocket server. `noServer`: it does not listen itself; step 3 hands it the upgrade
  //    requests it should take. `maxPayload`: a bigger message closes the connection with 1009
  //    (Message Too Big). `maxPendingAutoPongs`: how many pongs may wait to be written before ws
  //    cuts a client that pings faster than it reads (MAX_PENDING_PONGS, above). ws keeps every
  //    open connection in `wss.clients`.
  //    (@types/ws does not list maxPendingAutoPongs yet; ws 8.23 reads it.)
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
    // host that is not loopback while listening on loopback (DNS rebinding), 404 for a path but /ws.
    if (refuseBadTarget(request, socket, options)) return;
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

  // 4. One connection: echo every message back with its type, text as text, binary as binary.
  //    The handlers below are made once per server, not once per connection: ws calls each with
  //    the connection as `this`. What each connection needs of its own is one small record, and
  //    one socket listener for fairness; its memory stays close to plain ws (docs/benchmarks.md).
  interface Client {
    /** `127.0.0.1:52344`, for log lines. */
    peer: string;
    /** Reading is stopped for backpressure (in onMessage)... */
    paused: boolean;
    /** ...or until the next turn of the event loop (fairness, in takeTurn). */
    waitingForTurn: boolean;
    /** Milliseconds spent on this client since it last let the others have a turn. */
    timeThisTurn: number;
  }
  const clients = new WeakMap<WebSocket, Client>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const client = {
      peer: describePeer(request.socket),
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
    // at the end, not one system call each: with MAX_PENDING_PONGS, a client that pings and never
    // reads lives until the kernel's buffers are full, tens of thousands of pongs, and the
    // fairness test's median echo (36 flooders, 12 of them such pingers) went from 52 to 83 ms
    // uncorked (one run in 8 took 211 ms), 58 ms corked.
    request.socket.prependListener('data', beforeWs);
    request.socket.on('data', () => {
      request.socket.uncork();
      takeTurn(ws, client, performance.now() - chunkStarted);
    });
    try {
      log.event?.(`connected: ${client.peer} (${wss.clients.size} open)`);
    } catch (error) {
      fail(ws, error);
    }
  });

  // Fairness: once a client has had TIME_PER_TURN_MS of the server's time, stop reading from
  // it, and resume in setImmediate - after the event loop has polled every other socket once.
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
      // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
      const message = data as Buffer;
      log.event?.(`Received: ${describeMessage(message, isBinary)}`);
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
