import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  CloseCode,
  describeFrame,
  type Frame,
  type ProtocolEvent,
  WebSocketProtocol,
} from 'shared';
import { describeClose, describeError, type Log } from 'support';
import { bothHooks, type FrameHook } from './inspect.ts';

// Parts of frames smaller than this are copied together before writing; larger ones are not.
const COPY_BELOW = 16 * 1024;
// While something waits to be written, a buffer is written as it is only when it is at least
// this share of the memory it lies in; otherwise it is copied first (see #flush, `ownMemory`).
const WRITE_AS_IS_SHARE = 15 / 16;

/** What every connection of a server shares: made once per server, not per connection. */
export interface ConnectionOptions {
  /** The dials at the top of server.ts: the size limit (MAX_PAYLOAD)... */
  maxPayload: number;
  /** ...backpressure (WRITE_BUFFER_LIMIT, step 5)... */
  writeBufferLimit: number;
  /** ...fairness (TIME_PER_TURN_MS, step 6)... */
  timePerTurnMs: number;
  /** ...and the closing handshake's deadline (CLOSE_TIMEOUT_MS, step 7). */
  closeTimeoutMs: number;
  trace: boolean;
  log: Log;
  /** A whole message arrived. */
  onMessage(connection: WebSocketConnection, type: 'text' | 'binary', data: Buffer): void;
  /** The TCP connection is gone. */
  onClose(connection: WebSocketConnection): void;
}

/**
 * One WebSocket connection on a TCP socket, server side, after the handshake.
 *
 * The protocol itself - framing, masking, UTF-8, pings, the closing handshake - is
 * `WebSocketProtocol` from `shared`, which does no I/O. This class moves bytes between it and the
 * socket, in seven steps:
 *
 *   1. reading: each chunk from the socket goes into the protocol (#receive);
 *   2. events: messages go to the server, pongs clear the heartbeat mark, the protocol's own
 *      frames are written, and the closing handshake ends (#handle);
 *   3. the program's own errors: a handler that throws fails this connection alone with 1011
 *      (#deliver, fail);
 *   4. writing: frames wait in an outbox while a chunk is handled, then go out in one write
 *      (#write, #flush);
 *   5. backpressure: reading stops while too much waits to be sent (end of #flush, 'drain');
 *   6. fairness: reading pauses once a client has had TIME_PER_TURN_MS of the server's time,
 *      until the next turn of the event loop, so that no client can keep the server from the
 *      others (#takeTurns);
 *   7. closing TCP: after the close frames, our side ends first, and CLOSE_TIMEOUT_MS bounds how
 *      long the client may take to follow (#endTcp).
 */
export class WebSocketConnection {
  /** `127.0.0.1:52344`, for log lines. */
  readonly peer: string;
  /** `127.0.0.1`: the client's address, for the greeting and the log (peerAddress in support). */
  readonly address: string;
  /**
   * The heartbeat's mark (step 5 in server.ts): set when a ping goes out, cleared by any bytes
   * from the client.
   */
  awaitingPong = false;

  readonly #socket: Socket;
  readonly #protocol: WebSocketProtocol;
  readonly #options: ConnectionOptions;
  /** The close code and reason once the closing handshake is done (or failed). */
  #closedWith: { code: number; reason: string } | undefined;
  /** Reading is paused for backpressure (step 5); or until the next turn (step 6). */
  #paused = false;
  #waitingForTurn = false;
  /** Milliseconds spent on this connection since it last let the others have a turn (step 6). */
  #timeThisTurn = 0;
  /** Cuts the connection if the closing handshake takes too long (step 7). */
  #closeTimer: NodeJS.Timeout | undefined;
  // Frames waiting to be written: while a chunk is handled, its replies collect here.
  #outbox: Buffer[] = [];
  #handling = false;

  constructor(
    socket: Socket,
    who: { peer: string; address: string },
    options: ConnectionOptions,
    inspect?: FrameHook,
  ) {
    const { peer } = who;
    this.peer = peer;
    this.address = who.address;
    this.#socket = socket;
    this.#options = options;
    const { log } = options;
    this.#protocol = new WebSocketProtocol({
      role: 'server',
      maxPayload: options.maxPayload,
      // --trace: every frame in (>>) and out (<<), as describeFrame in shared writes it; and the
      // page's frame inspector, when a page watches this connection (src/inspect.ts).
      onFrame: bothHooks(
        options.trace
          ? (frame: Frame, direction) =>
              log.info(`${peer} ${direction === 'in' ? '>>' : '<<'} ${describeFrame(frame)}`)
          : undefined,
        inspect,
      ),
    });

    // Small frames go out at once rather than waiting to be combined with the next (Nagle).
    socket.setNoDelay(true);
    // The socket's listeners. One that needs nothing of this connection is made once for all
    // (endOurSide), the 'drain' listener of step 5 only while reading is paused, and the
    // server's 'error' listener came with the upgrade: what an idle connection holds is its
    // memory cost (docs/benchmarks.md).
    // The peer ended TCP without the closing handshake (or after it): end our side too.
    socket.on('end', endOurSide);
    socket.on('close', () => {
      clearTimeout(this.#closeTimer);
      // RFC 6455 §7.1.5: a connection that ended without a close frame is "closed with 1006".
      const { code, reason } = this.#closedWith ?? { code: CloseCode.AbnormalClosure, reason: '' };
      log.event?.(`disconnected: ${peer}, ${describeClose(code, reason)}`);
      options.onClose(this);
    });
  }

  /**
   * Starts reading: first the bytes the client sent right after its handshake, which arrived with
   * the upgrade request (`head`), then whatever the socket brings.
   */
  start(head: Buffer): void {
    if (head.length > 0) this.#receive(head);
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
  }

  /** Sends a message (text or binary), unless the connection is closing. */
  send(type: 'text' | 'binary', data: Buffer | string): void {
    this.#write(this.#protocol.send(type, data));
  }

  /** Sends a heartbeat ping. */
  ping(): void {
    this.#write(this.#protocol.ping());
  }

  /** Starts the closing handshake; the socket ends when the client answers (or in time, step 7). */
  close(code: number, reason: string): void {
    const frame = this.#protocol.close(code, reason);
    if (frame === undefined) return;
    this.#write(frame);
    this.#closeTimer ??= setTimeout(() => this.terminate(), this.#options.closeTimeoutMs);
  }

  /** Cuts the connection without a closing handshake: for peers that stopped answering. */
  terminate(): void {
    this.#socket.destroy();
  }

  /** Resolves when the TCP connection is closed. */
  get closed(): Promise<void> {
    if (this.#socket.closed) return Promise.resolve();
    return new Promise((resolve) => this.#socket.once('close', () => resolve()));
  }

  /** Bytes held for this connection: waiting to be sent, and messages still arriving. */
  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#protocol.bufferedBytes;
  }

  /** 1. Reading: one chunk of bytes from the socket, of any size, into the protocol. */
  #receive(chunk: Buffer): void {
    // Once the closing handshake is over, what the client sends is read and thrown away (RFC
    // 6455 §1.4), and it is no sign of life: step 7 decides when the connection ends.
    if (this.#protocol.state === 'closed') return;
    const started = performance.now();
    // Any bytes prove the client is there, not only a pong: a client in the middle of sending
    // one large frame cannot answer a ping until the frame is done (RFC 6455 §5.4).
    this.awaitingPong = false;
    // Everything written while handling one chunk (echoes, pongs) waits in the outbox and goes
    // out together at the end, in one system call (step 4).
    this.#handling = true;
    this.#protocol.receive(chunk, this.#handle);
    this.#handling = false;
    this.#flush();
    this.#takeTurns(performance.now() - started);
  }

  /**
   * 2. Events: what the protocol found in the chunk, in order. An arrow function: it is passed
   * to `receive` as it is, without a new closure per chunk.
   */
  #handle = (event: ProtocolEvent): void => {
    const { log } = this.#options;
    switch (event.type) {
      case 'text':
      case 'binary':
        this.#deliver(event.type, event.data);
        break;
      case 'ping':
        break; // the pong that answers it comes next, as a 'send' event
      case 'pong':
        this.awaitingPong = false;
        break;
      case 'send':
        this.#write(event.frame);
        break;
      case 'error':
        log.event?.(`protocol error from ${this.peer}: ${event.error.message}`);
        break;
      case 'closed':
        // The closing handshake is over (or the client broke the protocol): close TCP, step 7.
        this.#closedWith = { code: event.code, reason: event.reason };
        this.#endTcp();
        break;
    }
  };

  /**
   * 3. Hands a message to the server. A bug there fails this connection alone with 1011
   * (Internal Error, RFC 6455 §7.4.1): the client learns nothing more, our log gets the
   * details, and every other connection goes on.
   */
  #deliver(type: 'text' | 'binary', data: Buffer): void {
    try {
      this.#options.onMessage(this, type, data);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * 3. Fails the connection with 1011 after an error in our own code: see #deliver, and the
   * greeting in server.ts.
   */
  fail(error: unknown): void {
    this.#options.log.info(
      `internal error with ${this.peer}, closing with 1011: ${describeError(error)}`,
    );
    this.#write(this.#protocol.fail(CloseCode.InternalError));
    this.#closedWith ??= { code: CloseCode.InternalError, reason: '' };
    this.#endTcp();
  }

  /** 4. Queues a frame (its buffers, in order); written at once unless a chunk is being handled. */
  #write(frame: Buffer[] | undefined): void {
    if (frame === undefined || this.#socket.destroyed) return;
    for (const part of frame) this.#outbox.push(part);
    if (!this.#handling) this.#flush();
  }

  /**
   * 4. Writes the outbox. Small parts are copied into one buffer: a thousand 32-byte echoes
   * become one write, which the kernel handles far faster than a thousand pieces (measured in
   * bench/notes.md). A large payload is written as it is.
   *
   * What waits in the socket's queue keeps alive all the memory it lies in, while backpressure
   * counts only its bytes: a message of one frame that arrived whole is a view into the read it
   * came in (up to 64 KiB), a small join is cut from Node's shared 8 KiB pool. While nothing
   * waits, the kernel takes a write at once and keeps none of our memory. Once something waits
   * (the client reads slower than we write), each buffer is copied into memory of its own unless
   * it is nearly all of the memory it lies in (`ownMemory`). So the buffers of at most one flush
   * wait as they were, and what is held stays within 1/15 of what is counted, plus those.
   */
  #flush(): void {
    const socket = this.#socket;
    const parts = this.#outbox;
    if (parts.length === 0 || socket.destroyed) return;
    this.#outbox = [];
    const writes: Buffer[] = [];
    let run: Buffer[] = [];
    let runBytes = 0;
    for (const part of parts) {
      if (part.length < COPY_BELOW) {
        run.push(part);
        runBytes += part.length;
        continue;
      }
      if (run.length > 0) writes.push(join(run, runBytes));
      run = [];
      runBytes = 0;
      writes.push(part);
    }
    if (run.length > 0) writes.push(join(run, runBytes));
    // Something waits already: what is written now will wait too (see above).
    if (socket.writableLength > 0) {
      for (let i = 0; i < writes.length; i++) writes[i] = ownMemory(writes[i]!);
    }
    // Several writes (a large payload among them) go out together: cork, write, uncork.
    if (writes.length === 1) socket.write(writes[0]!);
    else {
      socket.cork();
      for (const bytes of writes) socket.write(bytes);
      socket.uncork();
    }

    // 5. Backpressure: a client that sends faster than it reads would otherwise fill our memory
    // with replies it has not read. Stop reading from it until they are written ('drain').
    if (!this.#paused && socket.writableLength > this.#options.writeBufferLimit) {
      this.#paused = true;
      const { log } = this.#options;
      log.event?.(
        `paused reading from ${this.peer}: ${socket.writableLength} bytes wait to be sent`,
      );
      socket.pause();
      // Reading resumes once what waited to be sent has been written - unless this connection
      // is also waiting for its next turn (step 6), which resumes it then.
      socket.once('drain', () => {
        this.#paused = false;
        log.event?.(`resumed reading from ${this.peer}`);
        if (!this.#waitingForTurn) socket.resume();
      });
    }
  }

  /**
   * 6. Fairness. Node reads a socket 64 KiB at a time and, while bytes keep coming, up to 32
   * times in a row before it looks at any other socket (libuv). A client that floods us with the
   * smallest frames there are - an empty masked frame is 6 bytes (RFC 6455 §5.2), over 10,000 in
   * 64 KiB, and unsolicited pongs or empty continuation frames need no answer to send back -
   * would then cost a millisecond or more per read, and a few such clients would hold the event
   * loop for seconds: no echo for anyone else, no new handshake answered. So once this client has
   * had TIME_PER_TURN_MS of the server's time, stop reading from it, and resume in setImmediate -
   * after the event loop has polled every other socket (and read what they sent) once. The time
   * is that of #receive: parsing, the echoes, the pongs, and the inspector when a page watches.
   *
   * Time, not bytes: what a byte costs depends on what it is. 64 KiB of one large message is
   * unmasked and copied in tens of microseconds; 64 KiB of empty frames is 10,000 events; and a
   * frame shown in the page's inspector costs more than one that is not. Time counts all of it.
   */
  #takeTurns(milliseconds: number): void {
    this.#timeThisTurn += milliseconds;
    if (this.#timeThisTurn < this.#options.timePerTurnMs || this.#waitingForTurn) return;
    this.#waitingForTurn = true;
    this.#socket.pause();
    setImmediate(() => {
      this.#waitingForTurn = false;
      this.#timeThisTurn = 0;
      if (!this.#paused && !this.#socket.destroyed) this.#socket.resume();
    });
  }

  /**
   * 7. Closing TCP. RFC 6455 §7.1.1: after the close frames, the server closes the TCP connection
   * first. `end()` sends our FIN once everything queued - our close frame last - is written; the
   * socket goes on reading (step 1 throws the bytes away) until the client's FIN, so a client that
   * was still sending gets our close frame rather than a reset, which could make it lose that
   * frame. A client that neither reads nor closes is cut after CLOSE_TIMEOUT_MS.
   */
  #endTcp(): void {
    this.#flush(); // the close frame, and whatever came before it, go out first
    this.#socket.end();
    this.#closeTimer ??= setTimeout(() => this.terminate(), this.#options.closeTimeoutMs);
    // Paused for backpressure, the socket would never see the client's FIN; reading costs
    // nothing now.
    this.#paused = false;
    if (!this.#waitingForTurn) this.#socket.resume();
  }
}

/** 'end' on a socket: the peer ended its side of TCP, so end ours. */
function endOurSide(this: Socket): void {
  this.end();
}

/** Small buffers joined into one (one of them as it is). */
function join(parts: Buffer[], bytes: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
}

/**
 * `bytes` as they are, or copied into memory of their own when they are a small part of the
 * memory they lie in: a client sending a 16 KiB message among pongs in every 64 KiB read, and
 * never reading, made us hold four times what we counted. Not Buffer.from: it cuts a copy under
 * 4 KiB out of Node's pool, and a waiting one would keep its whole pool slab alive.
 */
function ownMemory(bytes: Buffer): Buffer {
  if (bytes.length >= bytes.buffer.byteLength * WRITE_AS_IS_SHARE) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}
