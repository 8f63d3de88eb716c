// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops (1.2x
// when encoding 32-byte frames, bench/notes.md).
import { Buffer } from 'node:buffer';
import { applyMask, writeRandomMaskKey } from './mask.ts';
import { isControlOpcode } from './opcode.ts';

/**
 * One frame as RFC 6455 §5.2 lays it out:
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-------+-+-------------+-------------------------------+
 *     |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *     |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *     |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *     | |1|2|3|       |K|             |                               |
 *     +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *     |     Extended payload length continued, if payload len == 127  |
 *     + - - - - - - - - - - - - - - - +-------------------------------+
 *     |                               |Masking-key, if MASK set to 1  |
 *     +-------------------------------+-------------------------------+
 *     | Masking-key (continued)       |          Payload Data         |
 *     +-------------------------------- - - - - - - - - - - - - - - - +
 *
 * The payload length takes 7 bits when it is at most 125; 126 means "the next 2 bytes hold it";
 * 127 means "the next 8 bytes hold it" (and their most significant bit must be 0).
 */
export interface Frame {
  /** The last frame of its message (RFC 6455 §5.4). */
  fin: boolean;
  /** RSV1, RSV2, RSV3 as a 3-bit number (RSV1 = 4). Always 0 here: no extension is negotiated. */
  rsv: number;
  opcode: number;
  /** The masking key, for a masked frame (RFC 6455 §5.3). */
  maskKey: Buffer | undefined;
  /** The payload, already unmasked. */
  payload: Buffer;
  /**
   * How many bytes of extended length the header had, for a frame the parser read: 0 (the 7-bit
   * field held the length), 2 (it said 126) or 8 (it said 127). RFC 6455 §5.2 asks for the
   * shortest form, and frames made here always use it; a peer may still send a longer one.
   */
  extendedLengthBytes?: 0 | 2 | 8;
}

export interface OutgoingFrame {
  opcode: number;
  payload: Buffer;
  /** False for every fragment of a message but the last. Default true. */
  fin?: boolean;
  /** The key to mask with: a client masks every frame it sends (RFC 6455 §5.3). */
  maskKey?: Buffer | undefined;
  /** Mask with a fresh random key (written straight into the header), unless `maskKey` is given. */
  mask?: boolean;
}

/** RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;

/** The largest length the 7-bit field holds; 126 and 127 announce the longer forms. */
const MAX_7_BIT_LENGTH = 125;
const MAX_16_BIT_LENGTH = 0xffff;

/**
 * Encodes a frame into one buffer: the header, then the payload - masked, if a key is given.
 * The payload is copied, so the caller's stays as it was.
 */
export function encodeFrame(frame: OutgoingFrame): Buffer {
  const { payload } = frame;
  const length = payload.length;
  const masked = frame.maskKey !== undefined || frame.mask === true;
  const bytes = Buffer.allocUnsafe(headerLength(length, masked) + length);
  const offset = writeHeader(bytes, frame);
  if (!masked) {
    bytes.set(payload, offset);
  } else if (length < 64) {
    // A short payload: copy and mask in one pass, with the key just written - 2.2x copying first
    // and calling applyMask for a 32-byte frame (bench/notes.md).
    const k0 = bytes[offset - 4]!;
    const k1 = bytes[offset - 3]!;
    const k2 = bytes[offset - 2]!;
    const k3 = bytes[offset - 1]!;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      bytes[offset + i] = payload[i]! ^ k0;
      bytes[offset + i + 1] = payload[i + 1]! ^ k1;
      bytes[offset + i + 2] = payload[i + 2]! ^ k2;
      bytes[offset + i + 3] = payload[i + 3]! ^ k3;
    }
    for (; i < length; i++) bytes[offset + i] = payload[i]! ^ bytes[offset - 4 + (i & 3)]!;
  } else {
    bytes.set(payload, offset);
    applyMask(bytes.subarray(offset), bytes.subarray(offset - 4, offset));
  }
  return bytes;
}

/**
 * Just the header of a frame (2 to 14 bytes), for a payload written after it as it is: a server
 * sends [header, payload] and never copies the payload. Not for masked frames, whose payload must
 * be masked into a copy: use `encodeFrame`. The header is a new Buffer, the caller's to keep.
 */
export function encodeFrameHeader(frame: OutgoingFrame): Buffer {
  if (frame.maskKey !== undefined || frame.mask) {
    throw new RangeError('a masked frame needs encodeFrame');
  }
  const header = Buffer.allocUnsafe(headerLength(frame.payload.length, false));
  writeHeader(header, frame);
  return header;
}

/** 2 bytes, plus 2 or 8 for a longer length, plus 4 for a mask key. */
function headerLength(payloadLength: number, masked: boolean): number {
  const lengthBytes =
    payloadLength <= MAX_7_BIT_LENGTH ? 0 : payloadLength <= MAX_16_BIT_LENGTH ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/** Writes the header at the start of `target` and returns where the payload begins. */
function writeHeader(target: Buffer, frame: OutgoingFrame): number {
  const { opcode, fin = true, maskKey } = frame;
  const masked = maskKey !== undefined || frame.mask === true;
  const length = frame.payload.length;
  if (isControlOpcode(opcode)) {
    if (length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`control frame payload is ${length} bytes; at most 125 fit`);
    }
    // RFC 6455 §5.5: "Control frames ... MUST NOT be fragmented."
    if (!fin) throw new RangeError('control frames cannot be fragmented');
  }

  target[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let offset: number;
  if (length <= MAX_7_BIT_LENGTH) {
    target[1] = maskBit | length;
    offset = 2;
  } else if (length <= MAX_16_BIT_LENGTH) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(length, 2);
    offset = 4;
  } else {
    target[1] = maskBit | 127;
    // A JavaScript number holds lengths up to 2^53, so the high 32 bits are computed by division.
    target.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    target.writeUInt32BE(length >>> 0, 6);
    offset = 10;
  }
  if (maskKey) {
    if (maskKey.length !== 4) throw new RangeError('a mask key is 4 bytes');
    target[offset] = maskKey[0]!;
    target[offset + 1] = maskKey[1]!;
    target[offset + 2] = maskKey[2]!;
    target[offset + 3] = maskKey[3]!;
    offset += 4;
  } else if (masked) {
    writeRandomMaskKey(target, offset);
    offset += 4;
  }
  return offset;
}
