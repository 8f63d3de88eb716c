// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops.
import { Buffer } from 'node:buffer';
import { CloseCode } from './close-codes.ts';
import { encodeClosePayload, MAX_CLOSE_REASON_BYTES } from './close-payload.ts';
import type { ProtocolError } from './errors.ts';
import { encodeFrame, encodeFrameHeader, type Frame } from './frame.ts';
import { Opcode } from './opcode.ts';
import { FrameParser, type Role } from './parser.ts';

/**
 * open     messages flow both ways
 * closing  we sent a close frame and wait for the peer's (RFC 6455 §7.1.2)
 * closed   both close frames went by, or the connection failed: end the TCP connection
 */
export type ProtocolState = 'open' | 'closing' | 'closed';

/** What the connection asks of the program around it, in the order it must happen. */
export type ProtocolEvent =
  /** A whole text message (valid UTF-8). */
  | { type: 'text'; data: Buffer }
  /** A whole binary message. */
  | { type: 'binary'; data: Buffer }
  /** The peer pinged; the pong that answers it follows as a `send` event. */
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** A frame the protocol itself must send now - a pong, or a close - as buffers to write in order. */
  | { type: 'send'; frame: Buffer[] }
  /** The peer broke the protocol; a close frame with `error.closeCode` is sent next. */
  | { type: 'error'; error: ProtocolError }
  /**
   * The WebSocket connection is closed: `code` and `reason` are those of the peer's close frame
   * (1005 when it had none), or of the error that failed the connection. Now end TCP: a server
   * closes it at once; a client waits a moment for the server to do it (RFC 6455 §7.1.1).
   */
  | { type: 'closed'; code: number; reason: string };

export interface ProtocolOptions {
  role: Role;
  /** The largest message accepted, in bytes. Default 16 MiB. */
  maxPayload?: number;
  /** Called with every frame read and written, for tracing. */
  onFrame?: ((frame: Frame, direction: 'in' | 'out') => void) | undefined;
  /** Where a client's masking keys come from; by default fresh random ones. Tests pass a fixed key. */
  maskKey?: (() => Buffer) | undefined;
}

/**
 * One WebSocket connection after the handshake, without any I/O: push the peer's bytes into
 * `receive()` and act on each event it hands you, in order; ask `send()`, `ping()` and `close()`
 * for the bytes of frames to write. It answers pings, runs the closing handshake and fails the connection on
 * protocol errors, so servers and clients built on it only move bytes.
 */
export class WebSocketProtocol {
  readonly #role: Role;
  readonly #parser: FrameParser;
  readonly #onFrame: ProtocolOptions['onFrame'];
  readonly #maskKey: (() => Buffer) | undefined;
  #state: ProtocolState = 'open';

  constructor(options: ProtocolOptions) {
    this.#role = options.role;
    this.#onFrame = options.onFrame;
    this.#maskKey = options.maskKey;
    const onFrame = options.onFrame;
    this.#parser = new FrameParser({
      role: options.role,
      maxPayload: options.maxPayload,
      onFrame: onFrame && ((frame) => onFrame(frame, 'in')),
    });
  }

  get state(): ProtocolState {
    return this.#state;
  }

  /** Bytes held for messages that are still arriving. */
  get bufferedBytes(): number {
    return this.#parser.bufferedBytes;
  }

  /**
   * Reads the peer's next bytes and calls `handle` with each event, in order. Events are handed
   * over one at a time, and the connection's state follows along: while `handle` deals with a
   * message that arrived just before the peer's close frame, `send()` still works, because the
   * close has not been answered yet. (Returning a list of every event at once would already have
   * answered it.)
   */
  receive(chunk: Buffer, handle: (event: ProtocolEvent) => void): void {
    for (const event of this.#parser.push(chunk)) {
      // The program may have failed the connection while handling an earlier event.
      if (this.state === 'closed') return;
      switch (event.type) {
        case 'text':
        case 'binary':
        case 'pong':
          handle(event);
          break;
        case 'ping':
          handle(event);
          // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
          // response, unless it already received a Close frame ... The Pong frame sent in response
          // to a Ping frame must have identical 'Application data'." So a ping is answered after
          // we sent our close too: §5.5.1 forbids only *data* frames after a close. (`ws` sends
          // nothing at all once its close frame is out; the RFC asks for the pong.)
          if (this.#state !== 'closed') {
            handle({ type: 'send', frame: this.#frame(Opcode.Pong, event.data) });
          }
          break;
        case 'close': {
          // RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did not previously send a
          // Close frame, the endpoint MUST send a Close frame in response", typically echoing
          // the status code. A close without a code (1005) is answered without one.
          const answer = this.#state === 'open';
          this.#state = 'closed';
          if (answer) {
            const code = event.code === CloseCode.NoStatusReceived ? undefined : event.code;
            handle({ type: 'send', frame: this.#closeFrame(code, '') });
          }
          handle({ type: 'closed', code: event.code, reason: event.reason });
          break;
        }
        case 'error': {
          // RFC 6455 §7.1.7: to _Fail the WebSocket Connection_, send a close frame with the
          // status code (unless one was sent already), then close the connection.
          const { error } = event;
          const answer = this.#state === 'open';
          this.#state = 'closed';
          handle(event);
          if (answer) {
            handle({ type: 'send', frame: this.#closeFrame(error.closeCode, error.message) });
          }
          handle({ type: 'closed', code: error.closeCode, reason: error.message });
          break;
        }
      }
    }
  }

  /**
   * The frame of a message to send, as buffers to write in order; undefined once the connection
   * is closing.
   */
  send(type: 'text' | 'binary', data: Buffer | string): Buffer[] | undefined {
    // RFC 6455 §5.5.1: "The application MUST NOT send any more data frames after sending a Close frame."
    if (this.#state !== 'open') return undefined;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    return this.#frame(type === 'text' ? Opcode.Text : Opcode.Binary, payload);
  }

  /** The frame of a ping (a heartbeat), or undefined once the connection is closing. */
  ping(data: Buffer = Buffer.alloc(0)): Buffer[] | undefined {
    if (this.#state !== 'open') return undefined;
    return this.#frame(Opcode.Ping, data);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): returns the close frame to send, or undefined
   * if the connection is already closing. The peer's answer arrives as a `closed` event.
   */
  close(code: number = CloseCode.Normal, reason = ''): Buffer[] | undefined {
    if (this.#state !== 'open') return undefined;
    // Built first: a code that may not be sent throws here, and the connection stays open.
    const frame = this.#closeFrame(code, reason);
    this.#state = 'closing';
    return frame;
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): returns the close frame with `code` to send, unless
   * one was sent already, and the connection is closed at once; end TCP after writing it. For
   * failures of the program itself, such as 1011 when a handler threw (§7.4.1: "an unexpected
   * condition that prevented it from fulfilling the request").
   */
  fail(code: number, reason = ''): Buffer[] | undefined {
    const frame = this.#state === 'open' ? this.#closeFrame(code, reason) : undefined;
    this.#state = 'closed';
    return frame;
  }

  #closeFrame(code: number | undefined, reason: string): Buffer[] {
    return this.#frame(Opcode.Close, encodeClosePayload(code, fitReason(reason)));
  }

  #frame(opcode: number, payload: Buffer): Buffer[] {
    // RFC 6455 §5.3: a client masks every frame with a fresh key, into a copy of the payload; a
    // server never masks, and sends the payload as it is, after the header.
    if (this.#role === 'client') {
      const bytes = encodeFrame({ opcode, payload, maskKey: this.#maskKey?.(), mask: true });
      if (this.#onFrame) {
        // The key is the 4 bytes just before the payload.
        const keyAt = bytes.length - payload.length - 4;
        const maskKey = bytes.subarray(keyAt, keyAt + 4);
        this.#onFrame({ fin: true, rsv: 0, opcode, maskKey, payload }, 'out');
      }
      return [bytes];
    }
    this.#onFrame?.({ fin: true, rsv: 0, opcode, maskKey: undefined, payload }, 'out');
    const header = encodeFrameHeader({ opcode, payload });
    return payload.length === 0 ? [header] : [header, payload];
  }
}

/** Shortens a reason to the 123 bytes a close frame holds, without splitting a character. */
function fitReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let fitted = '';
  for (const character of reason) {
    if (Buffer.byteLength(fitted + character) > MAX_CLOSE_REASON_BYTES) break;
    fitted += character;
  }
  return fitted;
}
