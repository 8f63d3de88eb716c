import { applyMask } from './mask.ts';
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
}

export interface OutgoingFrame {
  opcode: number;
  payload: Buffer;
  /** False for every fragment of a message but the last. Default true. */
  fin?: boolean;
  /** A fresh random key for each frame a client sends (RFC 6455 §5.3); servers never mask. */
  maskKey?: Buffer | undefined;
}

/** RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;

/** The largest length the 7-bit field holds; 126 and 127 announce the longer forms. */
const MAX_7_BIT_LENGTH = 125;
const MAX_16_BIT_LENGTH = 0xffff;

/** Encodes a frame: header and (masked, if a key is given) payload in one buffer. */
export function encodeFrame(frame: OutgoingFrame): Buffer {
  const { opcode, payload, fin = true, maskKey } = frame;
  const length = payload.length;
  if (isControlOpcode(opcode)) {
    if (length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`control frame payload is ${length} bytes; at most 125 fit`);
    }
    // RFC 6455 §5.5: "Control frames ... MUST NOT be fragmented."
    if (!fin) throw new RangeError('control frames cannot be fragmented');
  }
  if (maskKey !== undefined && maskKey.length !== 4) throw new RangeError('a mask key is 4 bytes');

  const lengthBytes = length <= MAX_7_BIT_LENGTH ? 0 : length <= MAX_16_BIT_LENGTH ? 2 : 8;
  const headerLength = 2 + lengthBytes + (maskKey ? 4 : 0);
  const bytes = Buffer.allocUnsafe(headerLength + length);

  bytes[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = maskKey ? 0x80 : 0;
  if (lengthBytes === 0) {
    bytes[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    bytes[1] = maskBit | 126;
    bytes.writeUInt16BE(length, 2);
  } else {
    bytes[1] = maskBit | 127;
    // A JavaScript number holds lengths up to 2^53, so the high 32 bits are computed by division.
    bytes.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    bytes.writeUInt32BE(length >>> 0, 6);
  }

  let offset = 2 + lengthBytes;
  if (maskKey) {
    maskKey.copy(bytes, offset);
    offset += 4;
  }
  payload.copy(bytes, offset);
  // The caller's payload stays as it was: the copy is masked, not the original.
  if (maskKey) applyMask(bytes.subarray(offset), maskKey);
  return bytes;
}
