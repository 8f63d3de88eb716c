import { applyMask } from '../src/mask.ts';

/**
 * Frames with any header, for tests that must send what a correct sender never would. The layout
 * is RFC 6455 §5.2:
 *
 *   byte 0        FIN (0x80) | RSV1 (0x40) | RSV2 (0x20) | RSV3 (0x10) | opcode (4 bits)
 *   byte 1        MASK (0x80) | payload length 0-125, or 126 / 127 for the longer forms
 *   (2 bytes)     the length as a 16-bit big-endian number, when byte 1 said 126
 *   (8 bytes)     the length as a 64-bit big-endian number, when byte 1 said 127
 *   (4 bytes)     the masking key, when MASK is set
 *   payload       XORed with the key, byte i with key byte i % 4 (§5.3)
 */
export interface RawFrameFields {
  /** Default true. */
  fin?: boolean;
  /** RSV1-3 as a 3-bit number (RSV1 = 4). Default 0. */
  rsv?: number;
  opcode: number;
  /** Sets the MASK bit and masks the payload with this key. */
  maskKey?: Buffer | undefined;
  /** Default empty. */
  payload?: Buffer | string;
  /** The length the header announces; default the payload's. May disagree with the payload. */
  length?: number | bigint;
  /** The length form: 7 bits, or the 126 (16-bit) or 127 (64-bit) marker. Default the shortest. */
  lengthBits?: 7 | 16 | 64;
}

/**
 * Builds a frame from its header fields (RFC 6455 §5.2), including frames a correct sender never
 * makes: RSV bits set, reserved opcodes, fragmented or oversized control frames, a 64-bit length
 * with its top bit set. For valid frames the tests use `encodeFrame` itself.
 */
export function rawFrame(fields: RawFrameFields): Buffer {
  const { fin = true, rsv = 0, opcode, maskKey, payload = Buffer.alloc(0) } = fields;
  const length = BigInt(fields.length ?? payload.length);
  const bits = fields.lengthBits ?? (length <= 125n ? 7 : length <= 0xffffn ? 16 : 64);
  const maskBit = maskKey ? 0x80 : 0;

  const header = Buffer.alloc(2 + (bits === 16 ? 2 : bits === 64 ? 8 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (bits === 7) {
    header[1] = maskBit | Number(length);
  } else if (bits === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
  }
  const body = Buffer.from(payload);
  if (maskKey) applyMask(body, maskKey);
  return Buffer.concat([header, maskKey ?? Buffer.alloc(0), body]);
}

/** A close frame's payload with any status code, even one that may not be sent (§7.4). */
export function rawClosePayload(code: number, reason: Buffer | string = ''): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(code);
  return Buffer.concat([bytes, Buffer.from(reason)]);
}
