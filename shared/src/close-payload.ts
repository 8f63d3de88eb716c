import { isUtf8 } from 'node:buffer';
import { CloseCode, isValidCloseCode } from './close-codes.ts';
import { ProtocolError } from './errors.ts';

/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes; the code takes 2 of them. */
export const MAX_CLOSE_REASON_BYTES = 123;

export interface ClosePayload {
  /** The status code, or 1005 (No Status Received) when the frame carried none (RFC 6455 §7.1.5). */
  code: number;
  reason: string;
}

/**
 * Builds a close frame's payload (RFC 6455 §5.5.1): empty, or a 2-byte big-endian status code
 * followed by a UTF-8 reason. Throws RangeError for a code that may not be sent or a reason that
 * does not fit: those are mistakes in the program, not in the peer.
 */
export function encodeClosePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    if (reason !== '') throw new RangeError('a close reason needs a close code');
    return Buffer.alloc(0);
  }
  if (!isValidCloseCode(code)) throw new RangeError(`close code ${code} may not be sent`);
  const reasonLength = Buffer.byteLength(reason);
  if (reasonLength > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`close reason is ${reasonLength} bytes; at most 123 fit`);
  }
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/** Reads a received close frame's payload, or says which rule it breaks. */
export function decodeClosePayload(payload: Buffer): ClosePayload | ProtocolError {
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: '' };
  // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer"
  if (payload.length === 1) {
    return new ProtocolError(CloseCode.ProtocolError, 'close frame has a 1-byte payload');
  }
  const code = payload.readUInt16BE(0);
  // RFC 6455 §7.4: 1005, 1006, 1015 and unassigned codes must not appear in a close frame.
  if (!isValidCloseCode(code)) {
    return new ProtocolError(CloseCode.ProtocolError, `close code ${code} may not be sent`);
  }
  const reason = payload.subarray(2);
  // RFC 6455 §5.5.1: the reason's data "is not guaranteed to be human readable" but MUST be UTF-8.
  if (!isUtf8(reason)) {
    return new ProtocolError(CloseCode.InvalidPayload, 'close reason is not valid UTF-8');
  }
  return { code, reason: reason.toString('utf8') };
}
