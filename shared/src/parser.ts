// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops.
import { Buffer } from 'node:buffer';
import { CloseCode } from './close-codes.ts';
import { decodeClosePayload } from './close-payload.ts';
import { ProtocolError } from './errors.ts';
import { type Frame, MAX_CONTROL_PAYLOAD } from './frame.ts';
import { applyMask } from './mask.ts';
import { MessageBuffer } from './message-buffer.ts';
import { isControlOpcode, isKnownOpcode, Opcode } from './opcode.ts';
import { Utf8Validator } from './utf8.ts';

/** Which end of the connection is reading: it decides which frames must be masked (§5.1). */
export type Role = 'server' | 'client';

/** What the parser found in the bytes pushed into it. */
export type ParserEvent =
  /** A whole text message, fragments joined; `data` is valid UTF-8. */
  | { type: 'text'; data: Buffer }
  /** A whole binary message, fragments joined. */
  | { type: 'binary'; data: Buffer }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** The peer started or answered the closing handshake. 1005 means no code was given. */
  | { type: 'close'; code: number; reason: string }
  /** The peer broke the protocol; close the connection with `error.closeCode`. */
  | { type: 'error'; error: ProtocolError };

export interface ParserOptions {
  role: Role;
  /** The largest message, all its fragments together, in bytes. Default 16 MiB. */
  maxPayload?: number;
  /** Called with every complete frame, for tracing. */
  onFrame?: ((frame: Frame) => void) | undefined;
}

/**
 * 16 MiB: large enough for any message in the lesson, small enough that one client cannot make a
 * server hold gigabytes. (`ws` accepts 100 MiB by default.)
 */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

/**
 * The most frames one message may come in. A message may be streamed in many small pieces, but
 * not forever: fragments that carry nothing would keep a message open for as long as the peer
 * likes. The Autobahn test suite sends 4 MiB in 64-byte fragments, 65,536 of them (its cases
 * 9.3.1 and 9.4.1); twice that is allowed.
 */
export const MAX_FRAGMENTS = 131_072;

/**
 * The parser's states, one per part of the frame header (RFC 6455 §5.2), then the payload:
 *
 *   frame-info  the first 2 bytes: FIN, RSV1-3, opcode, MASK, 7-bit length
 *   length-16   2 more bytes of length, when the 7-bit length was 126
 *   length-64   8 more bytes of length, when it was 127
 *   mask-key    4 bytes of masking key, when MASK was set
 *   payload     the payload's bytes, as many chunks as they take
 *   done        after a close frame or an error: everything else is ignored
 */
type State = 'frame-info' | 'length-16' | 'length-64' | 'mask-key' | 'payload' | 'done';

const EMPTY = Buffer.alloc(0);
const NO_EVENTS: ParserEvent[] = [];

/**
 * An incremental, sans-I/O WebSocket frame parser: push bytes in, in chunks of any size, and get
 * back the messages, pings, pongs, closes and protocol errors they complete.
 *
 * The parser takes ownership of each chunk: masked payloads are unmasked in place, and a message
 * that arrives whole in one chunk is returned as a view into it, without a copy.
 */
export class FrameParser {
  readonly #role: Role;
  readonly #maxPayload: number;
  readonly #onFrame: ((frame: Frame) => void) | undefined;

  #state: State = 'frame-info';
  // The events of the push() being run; between pushes, nothing is held (see push()).
  #events: ParserEvent[] = NO_EVENTS;

  // The chunk being parsed and the position in it; set only while push() runs.
  #chunk: Buffer = EMPTY;
  #offset = 0;

  // A header field (2, 2, 8 or 4 bytes) can straddle two chunks: its bytes wait in #field.
  // #source and #at say where the current field's bytes are: in the chunk or in #field.
  #field: Buffer | undefined;
  #fieldFilled = 0;
  #source: Buffer = EMPTY;
  #at = 0;

  // The frame being read.
  #fin = false;
  #rsv = 0;
  #opcode = 0;
  #masked = false;
  #maskKey: Buffer | undefined;
  #maskOffset = 0;
  #payloadLength = 0;
  // With tracing only: the length form the frame used (see Frame). Set in the length-16 and
  // length-64 states and reset once traced, so a short frame costs nothing for it.
  #extendedLengthBytes: 0 | 2 | 8 = 0;
  #received = 0;
  // A control frame's payload, when it straddles chunks (at most 125 bytes).
  #control: Buffer | undefined;

  // The message being read: its opcode (Text or Binary; 0 when none has started), its length so
  // far counting the frame being read, how many frames it came in so far, and its bytes.
  #messageOpcode = 0;
  #messageLength = 0;
  #fragments = 0;
  #message: MessageBuffer | undefined;
  #utf8: Utf8Validator | undefined;
  // With tracing only: the pieces of the data frame being read, to show that frame on its own.
  #tracePieces: Buffer[] | undefined;
  // (#field, #maskKey, #message, #utf8 and #tracePieces are made when first needed: an idle connection, of
  // which a server may hold thousands, costs as little as possible.)

  constructor(options: ParserOptions) {
    this.#role = options.role;
    this.#maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.#onFrame = options.onFrame;
  }

  /** True after a close frame or a protocol error: the parser reads nothing more. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Bytes of memory the parser holds for messages in progress. */
  get bufferedBytes(): number {
    return (this.#message?.capacity ?? 0) + (this.#control?.length ?? 0);
  }

  /** Parses the next chunk of bytes from the peer and returns what it completed. */
  push(chunk: Buffer): ParserEvent[] {
    const events: ParserEvent[] = [];
    this.#events = events;
    this.#chunk = chunk;
    this.#offset = 0;
    while (this.#offset < chunk.length) {
      switch (this.#state) {
        case 'frame-info':
          this.#readFrameInfo();
          break;
        case 'length-16':
          this.#readLength16();
          break;
        case 'length-64':
          this.#readLength64();
          break;
        case 'mask-key':
          this.#readMaskKey();
          break;
        case 'payload':
          this.#readPayload();
          break;
        case 'done':
          // RFC 6455 §1.4: after the close frame, nothing more is read.
          this.#offset = chunk.length;
          break;
      }
    }
    // Let go of the chunk and the events, so an idle connection keeps neither its last chunk
    // nor its last message alive.
    this.#chunk = EMPTY;
    this.#source = EMPTY;
    this.#events = NO_EVENTS;
    return events;
  }

  /**
   * Takes `size` bytes of the current header field. Returns false when the chunk runs out first;
   * the bytes taken so far wait in #field for the next push.
   */
  #take(size: number): boolean {
    const available = this.#chunk.length - this.#offset;
    if (this.#fieldFilled === 0 && available >= size) {
      // The usual case: the whole field is in this chunk, read it where it is. (Copying every
      // field into #field halves the speed of parsing 32-byte frames: bench/notes.md.)
      this.#source = this.#chunk;
      this.#at = this.#offset;
      this.#offset += size;
      return true;
    }
    const count = Math.min(size - this.#fieldFilled, available);
    // allocUnsafeSlow, here and for every buffer the parser keeps: memory of its own. A small
    // Buffer.allocUnsafe is cut from Node's shared 8 KiB pool and keeps all of it alive.
    this.#field ??= Buffer.allocUnsafeSlow(8);
    this.#chunk.copy(this.#field, this.#fieldFilled, this.#offset, this.#offset + count);
    this.#fieldFilled += count;
    this.#offset += count;
    if (this.#fieldFilled < size) return false;
    this.#fieldFilled = 0;
    this.#source = this.#field;
    this.#at = 0;
    return true;
  }

  #readFrameInfo(): void {
    if (!this.#take(2)) return;
    const first = this.#source[this.#at]!;
    const second = this.#source[this.#at + 1]!;
    this.#fin = (first & 0x80) !== 0;
    this.#rsv = (first >>> 4) & 0x7;
    this.#opcode = first & 0x0f;
    this.#masked = (second & 0x80) !== 0;
    const length = second & 0x7f;

    const error = this.#checkFrameInfo(length);
    if (error) this.#fail(error);
    else if (length === 126) this.#state = 'length-16';
    else if (length === 127) this.#state = 'length-64';
    else this.#setPayloadLength(length);
  }

  /** The rules the first two bytes of a frame must follow. */
  #checkFrameInfo(length: number): ProtocolError | undefined {
    const opcode = this.#opcode;
    // RFC 6455 §5.2: "RSV1, RSV2, RSV3: 1 bit each. MUST be 0 unless an extension is negotiated
    // that defines meanings for non-zero values."
    if (this.#rsv !== 0) {
      const bits = [4, 2, 1].flatMap((bit, i) => (this.#rsv & bit ? [`RSV${i + 1}`] : []));
      return protocolError(`${bits.join(' and ')} set but no extension was negotiated`);
    }
    // RFC 6455 §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the
    // WebSocket Connection_."
    if (!isKnownOpcode(opcode)) {
      return protocolError(`reserved opcode 0x${opcode.toString(16)}`);
    }
    if (isControlOpcode(opcode)) {
      // RFC 6455 §5.5: "Control frames ... MUST NOT be fragmented."
      if (!this.#fin) return protocolError('control frame is fragmented (FIN is 0)');
      // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
      if (length > MAX_CONTROL_PAYLOAD)
        return protocolError('control frame payload over 125 bytes');
    } else if (opcode === Opcode.Continuation) {
      // RFC 6455 §5.4: a continuation frame continues a message started by a text or binary frame.
      if (this.#messageOpcode === 0)
        return protocolError('continuation frame with no message started');
      if (this.#fragments >= MAX_FRAGMENTS) {
        const message = `message in more than ${MAX_FRAGMENTS} fragments`;
        return new ProtocolError(CloseCode.MessageTooBig, message);
      }
    } else if (this.#messageOpcode !== 0) {
      // RFC 6455 §5.4: the fragments of one message are not interleaved with another message.
      return protocolError('new message started before the previous one was finished');
    }
    // RFC 6455 §5.1: "a client MUST mask all frames that it sends to the server" and "A server
    // MUST NOT mask any frames that it sends to the client"; each side closes on the other's slip.
    if (this.#role === 'server' && !this.#masked)
      return protocolError('client frame is not masked');
    if (this.#role === 'client' && this.#masked) return protocolError('server frame is masked');
    return undefined;
  }

  #readLength16(): void {
    if (!this.#take(2)) return;
    this.#extendedLengthBytes = 2;
    this.#setPayloadLength(this.#source.readUInt16BE(this.#at));
  }

  #readLength64(): void {
    if (!this.#take(8)) return;
    this.#extendedLengthBytes = 8;
    const high = this.#source.readUInt32BE(this.#at);
    const low = this.#source.readUInt32BE(this.#at + 4);
    // RFC 6455 §5.2: in the 64-bit form, "the most significant bit MUST be 0".
    if (high >= 0x8000_0000) this.#fail(protocolError('64-bit payload length has its top bit set'));
    // Above 2^53 the sum is rounded, but any such length is far over the limit anyway.
    else this.#setPayloadLength(high * 2 ** 32 + low);
  }

  #setPayloadLength(length: number): void {
    // RFC 6455 §10.4: an endpoint should limit the size of frames and messages. The limit is checked
    // here, from the header, before a single payload byte is read or stored. Fragments count together.
    if (!isControlOpcode(this.#opcode)) {
      const soFar = this.#opcode === Opcode.Continuation ? this.#messageLength : 0;
      if (soFar + length > this.#maxPayload) {
        const message = `message of ${soFar + length} bytes is over the limit of ${this.#maxPayload}`;
        this.#fail(new ProtocolError(CloseCode.MessageTooBig, message));
        return;
      }
    }
    this.#payloadLength = length;
    if (this.#masked) this.#state = 'mask-key';
    else this.#beginPayload();
  }

  #readMaskKey(): void {
    if (!this.#take(4)) return;
    // Four assignments: 1.5x a call into Buffer.copy for four bytes, once per frame (bench/notes.md).
    const source = this.#source;
    const at = this.#at;
    this.#maskKey ??= Buffer.allocUnsafeSlow(4);
    const key = this.#maskKey;
    key[0] = source[at]!;
    key[1] = source[at + 1]!;
    key[2] = source[at + 2]!;
    key[3] = source[at + 3]!;
    this.#beginPayload();
  }

  #beginPayload(): void {
    this.#received = 0;
    this.#maskOffset = 0;
    if (!isControlOpcode(this.#opcode)) {
      if (this.#opcode !== Opcode.Continuation) {
        this.#messageOpcode = this.#opcode;
        this.#messageLength = 0;
        this.#fragments = 0;
      }
      this.#fragments += 1;
      this.#messageLength += this.#payloadLength;
    }
    if (this.#payloadLength === 0) this.#endFrame(undefined);
    else this.#state = 'payload';
  }

  #readPayload(): void {
    const end = Math.min(this.#chunk.length, this.#offset + this.#payloadLength - this.#received);
    const piece = this.#chunk.subarray(this.#offset, end);
    this.#offset = end;
    this.#received += piece.length;
    // (A masked frame's key was read in the mask-key state, just before.)
    if (this.#masked) this.#maskOffset = applyMask(piece, this.#maskKey!, this.#maskOffset);

    const whole = piece.length === this.#payloadLength;
    if (isControlOpcode(this.#opcode)) {
      if (!whole) {
        this.#control ??= Buffer.allocUnsafeSlow(this.#payloadLength);
        piece.copy(this.#control, this.#received - piece.length);
      }
    } else {
      // RFC 6455 §8.1: text must be valid UTF-8, checked as it arrives so bad text fails early.
      if (this.#messageOpcode === Opcode.Text) {
        this.#utf8 ??= new Utf8Validator();
        if (!this.#utf8.push(piece)) {
          this.#fail(
            new ProtocolError(CloseCode.InvalidPayload, 'text message is not valid UTF-8'),
          );
          return;
        }
      }
      // A message that is one frame, whole in this chunk, is used where it lies (8x copying it,
      // for 32-byte messages: bench/notes.md); anything else goes into the message buffer.
      if (!(whole && this.#fin && this.#opcode !== Opcode.Continuation)) {
        const notStored = this.#payloadLength - this.#received + piece.length;
        this.#message ??= new MessageBuffer();
        this.#message.append(piece, notStored, this.#maxPayload - this.#message.length);
        if (this.#onFrame && !whole) {
          this.#tracePieces ??= [];
          this.#tracePieces.push(piece);
        }
      }
    }
    if (this.#received === this.#payloadLength) this.#endFrame(whole ? piece : undefined);
  }

  /** A frame is complete. `whole` is its payload when it arrived in one piece. */
  #endFrame(whole: Buffer | undefined): void {
    const opcode = this.#opcode;
    const control = isControlOpcode(opcode);
    // A data frame's payload is in the message buffer unless it arrived whole; only the trace
    // needs it on its own, and joins the frame's own pieces for it (never the whole message).
    const payload = control ? (whole ?? this.#control ?? EMPTY) : whole;
    this.#control = undefined;
    this.#state = 'frame-info';
    if (this.#onFrame) {
      this.#onFrame({
        fin: this.#fin,
        rsv: this.#rsv,
        opcode,
        maskKey: this.#masked && this.#maskKey ? Buffer.from(this.#maskKey) : undefined,
        payload: payload ?? Buffer.concat(this.#tracePieces ?? []),
        extendedLengthBytes: this.#extendedLengthBytes,
      });
      this.#tracePieces = undefined;
      this.#extendedLengthBytes = 0;
    }

    // RFC 6455 §5.4: control frames may come between the fragments of a message; they do not
    // disturb the message being reassembled.
    switch (opcode) {
      case Opcode.Close: {
        const close = decodeClosePayload(payload ?? EMPTY);
        if (close instanceof ProtocolError) {
          this.#fail(close);
        } else {
          this.#events.push({ type: 'close', code: close.code, reason: close.reason });
          this.#finish();
        }
        return;
      }
      case Opcode.Ping:
        this.#events.push({ type: 'ping', data: payload ?? EMPTY });
        return;
      case Opcode.Pong:
        this.#events.push({ type: 'pong', data: payload ?? EMPTY });
        return;
    }

    if (!this.#fin) return;
    const text = this.#messageOpcode === Opcode.Text;
    if (text && this.#utf8 && !this.#utf8.end()) {
      const message = 'text message ends inside a UTF-8 sequence';
      this.#fail(new ProtocolError(CloseCode.InvalidPayload, message));
      return;
    }
    // A one-frame message that arrived whole was never copied (see #readPayload).
    const data = whole && opcode !== Opcode.Continuation ? whole : (this.#message?.take() ?? EMPTY);
    this.#events.push({ type: text ? 'text' : 'binary', data });
    this.#messageOpcode = 0;
    this.#messageLength = 0;
    this.#fragments = 0;
  }

  #fail(error: ProtocolError): void {
    this.#events.push({ type: 'error', error });
    this.#finish();
  }

  #finish(): void {
    this.#state = 'done';
    this.#message = undefined;
    this.#control = undefined;
    this.#tracePieces = undefined;
    this.#offset = this.#chunk.length;
  }
}

function protocolError(message: string): ProtocolError {
  return new ProtocolError(CloseCode.ProtocolError, message);
}
