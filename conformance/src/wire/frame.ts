import { randomBytes } from 'node:crypto';

/**
 * WebSocket frames, written and read by the checker's own small code (RFC 6455 §5.2), not by
 * the project's `shared`: a bug there must not hide the same bug in a server. The writer makes
 * any frame, broken ones included (reserved bits, reserved opcodes, lengths that lie, lengths in
 * a longer form than needed); the reader reads the server's frames out of TCP data in any
 * chunking and leaves the judging to the session (session.ts).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 */

/** RFC 6455 §5.2 and §11.8: the six opcodes defined; the others are reserved. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

const NAMES: Record<number, string> = {
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

/** `text`, `ping`, or `reserved opcode 0x3`. */
export function opcodeName(opcode: number): string {
  return NAMES[opcode] ?? `reserved opcode 0x${opcode.toString(16)}`;
}

/** Opcodes 0x8 to 0xF are control frames (§5.5). */
export function isControl(opcode: number): boolean {
  return opcode >= 0x8;
}

export function isDefinedOpcode(opcode: number): boolean {
  return opcode in NAMES;
}

/** A frame's fields, for a frame written by the checker or read from the server. */
export interface FrameInfo {
  fin: boolean;
  /** RSV1, RSV2, RSV3 as a 3-bit number: RSV1 is 0b100. */
  rsv: number;
  opcode: number;
  masked: boolean;
  maskKey: Buffer | undefined;
  /** The length the header announces (a bigint only when above 2^53, a frame that lies). */
  length: number | bigint;
  /** How the length was written after the 7-bit field: 0, 2 or 8 bytes. */
  lengthBytes: 0 | 2 | 8;
  /** The header bytes, mask key included. */
  header: Buffer;
  /** The payload, unmasked. Shorter than `length` only in a frame the checker cut on purpose. */
  payload: Buffer;
}

/** What `buildFrame` makes; every field but `opcode` has the value a correct client uses. */
export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv?: number;
  /** True (the default): a fresh random key, as a client must (§5.3); false: unmasked. */
  mask?: boolean | Uint8Array;
  /** The length form: the shortest (§5.2 requires it), or a longer one on purpose. */
  lengthForm?: 'shortest' | 16 | 64;
  /** A length to announce instead of the payload's: a frame whose payload never comes. */
  announce?: bigint;
}

export interface BuiltFrame {
  bytes: Buffer;
  info: FrameInfo;
}

/** Makes a frame's bytes. */
export function buildFrame(spec: FrameSpec): BuiltFrame {
  const payload =
    typeof spec.payload === 'string' ? Buffer.from(spec.payload) : Buffer.from(spec.payload ?? []);
  const fin = spec.fin ?? true;
  const rsv = spec.rsv ?? 0;
  const maskKey =
    spec.mask === false
      ? undefined
      : spec.mask === true || spec.mask === undefined
        ? randomBytes(4)
        : Buffer.from(spec.mask);
  const length = spec.announce ?? BigInt(payload.length);
  const form = spec.lengthForm ?? 'shortest';
  const lengthBytes: 0 | 2 | 8 =
    form === 64 || (form === 'shortest' && length > 0xffffn)
      ? 8
      : form === 16 || (form === 'shortest' && length > 125n)
        ? 2
        : 0;

  const header = Buffer.alloc(2 + lengthBytes + (maskKey ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | ((rsv & 0b111) << 4) | (spec.opcode & 0x0f);
  const mask = maskKey ? 0x80 : 0;
  if (lengthBytes === 0) header[1] = mask | Number(length);
  else if (lengthBytes === 2) {
    header[1] = mask | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header[1] = mask | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (maskKey) maskKey.copy(header, 2 + lengthBytes);

  const body = maskKey ? applyMask(payload, maskKey) : payload;
  return {
    bytes: Buffer.concat([header, body]),
    info: {
      fin,
      rsv,
      opcode: spec.opcode,
      masked: maskKey !== undefined,
      maskKey,
      length: length <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(length) : length,
      lengthBytes,
      header,
      payload,
    },
  };
}

/**
 * RFC 6455 §5.3: payload byte i is XORed with byte i % 4 of the key; doing it again unmasks.
 * Returns a new buffer: the caller's bytes stay as they are.
 */
export function applyMask(data: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[i & 3]!;
  return out;
}

/** What the reader finds: a whole frame, or a header it cannot go on from. */
export type ReadItem =
  | { kind: 'frame'; frame: FrameInfo }
  | { kind: 'unreadable'; header: Buffer; why: 'top-bit' | 'too-long'; length: bigint };

/**
 * Reads frames out of bytes that arrive in pieces of any size. A header whose 64-bit length has
 * its top bit set, or which announces more than `maxLength` bytes, stops the reader: nothing
 * after it can be read as frames.
 */
export class FrameReader {
  readonly #maxLength: number;
  #pieces: Buffer[] = [];
  #buffered = 0;
  /** The header read, waiting for its payload. */
  #pending: Omit<FrameInfo, 'payload'> | undefined;
  #stopped = false;

  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /** Bytes held: a header or payload not complete yet. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): ReadItem[] {
    if (this.#stopped) return [];
    if (chunk.length > 0) {
      this.#pieces.push(chunk);
      this.#buffered += chunk.length;
    }
    const items: ReadItem[] = [];
    for (;;) {
      if (!this.#pending) {
        const header = this.#readHeader();
        if (header === undefined) return items;
        if ('why' in header) {
          this.#stopped = true;
          items.push({ kind: 'unreadable', ...header });
          return items;
        }
        this.#pending = header;
      }
      const length = this.#pending.length as number;
      if (this.#buffered < length) return items;
      const body = this.#take(length);
      const { maskKey } = this.#pending;
      const payload = maskKey ? applyMask(body, maskKey) : body;
      items.push({ kind: 'frame', frame: { ...this.#pending, payload } });
      this.#pending = undefined;
    }
  }

  #readHeader():
    | Omit<FrameInfo, 'payload'>
    | { header: Buffer; why: 'top-bit' | 'too-long'; length: bigint }
    | undefined {
    if (this.#buffered < 2) return undefined;
    const start = this.#peek(2);
    const first = start[0]!;
    const second = start[1]!;
    const masked = (second & 0x80) !== 0;
    const length7 = second & 0x7f;
    const lengthBytes: 0 | 2 | 8 = length7 === 127 ? 8 : length7 === 126 ? 2 : 0;
    const size = 2 + lengthBytes + (masked ? 4 : 0);
    if (this.#buffered < size) return undefined;
    const header = this.#take(size);
    const length =
      lengthBytes === 8
        ? header.readBigUInt64BE(2)
        : BigInt(lengthBytes === 2 ? header.readUInt16BE(2) : length7);
    if (length >= 2n ** 63n) return { header, why: 'top-bit', length };
    if (length > BigInt(this.#maxLength)) return { header, why: 'too-long', length };
    return {
      fin: (first & 0x80) !== 0,
      rsv: (first >> 4) & 0b111,
      opcode: first & 0x0f,
      masked,
      maskKey: masked ? header.subarray(size - 4) : undefined,
      length: Number(length),
      lengthBytes,
      header,
    };
  }

  /** The first `count` buffered bytes, left in place. */
  #peek(count: number): Buffer {
    const first = this.#pieces[0]!;
    if (first.length >= count) return first.subarray(0, count);
    const few: Buffer[] = [];
    let length = 0;
    for (const piece of this.#pieces) {
      few.push(piece);
      length += piece.length;
      if (length >= count) break;
    }
    return Buffer.concat(few, length).subarray(0, count);
  }

  /** The first `count` buffered bytes, taken out (one copy when they span several pieces). */
  #take(count: number): Buffer {
    this.#buffered -= count;
    const first = this.#pieces[0];
    if (count === 0) return Buffer.alloc(0);
    if (first && first.length >= count) {
      if (first.length === count) this.#pieces.shift();
      else this.#pieces[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const piece = this.#pieces[0]!;
      const used = Math.min(piece.length, count - filled);
      piece.copy(out, filled, 0, used);
      filled += used;
      if (used === piece.length) this.#pieces.shift();
      else this.#pieces[0] = piece.subarray(used);
    }
    return out;
  }
}

/** One line for a frame: `text FIN=1 RSV=000 MASK=1 len=5 "Hello"`. */
export function describeFrame(frame: FrameInfo, previewOf: (bytes: Uint8Array) => string): string {
  const bits = `FIN=${frame.fin ? 1 : 0} RSV=${frame.rsv.toString(2).padStart(3, '0')} MASK=${frame.masked ? 1 : 0}`;
  const base = `${opcodeName(frame.opcode)} ${bits} len=${frame.length}`;
  if (frame.opcode === Opcode.Close && frame.payload.length >= 2) {
    const code = frame.payload.readUInt16BE(0);
    return `${base} code=${code} reason=${previewOf(frame.payload.subarray(2))}`;
  }
  if (frame.payload.length === 0) return base;
  return `${base} ${previewOf(frame.payload)}`;
}
