import { describe, expect, it } from 'vitest';
import { decodeClosePayload, encodeClosePayload } from '../src/close-payload.ts';
import { ProtocolError } from '../src/errors.ts';
import { bytes } from './helpers.ts';

describe('encodeClosePayload', () => {
  it('is empty when no code is given (§5.5.1: "the Close frame MAY contain a body")', () => {
    expect(encodeClosePayload()).toEqual(Buffer.alloc(0));
  });

  it('is the code as 2 big-endian bytes followed by the UTF-8 reason (§5.5.1)', () => {
    expect(encodeClosePayload(1000, 'bye')).toEqual(bytes('03 e8 62 79 65'));
  });

  it('accepts a reason of 123 bytes, which fills the 125-byte control payload (§5.5)', () => {
    expect(encodeClosePayload(1000, 'x'.repeat(123))).toHaveLength(125);
  });

  it('throws RangeError for a reason of 124 bytes (§5.5)', () => {
    expect(() => encodeClosePayload(1000, 'x'.repeat(124))).toThrow(RangeError);
  });

  it('counts the reason in UTF-8 bytes, not characters (§5.5)', () => {
    // "€" is 3 bytes: 41 of them are 123 bytes, 42 are 126.
    expect(encodeClosePayload(1000, '€'.repeat(41))).toHaveLength(125);
    expect(() => encodeClosePayload(1000, '€'.repeat(42))).toThrow(RangeError);
  });

  it('throws RangeError for a reason without a code (§5.5.1: the code comes first)', () => {
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(RangeError);
  });

  it.each([1004, 1005, 1006, 1015, 999, 1016, 2999, 5000])(
    'throws RangeError for code %i, which may not be sent (§7.4.1)',
    (code) => {
      expect(() => encodeClosePayload(code)).toThrow(RangeError);
    },
  );
});

/** The close code a decode failed with, or undefined when it succeeded. */
function failureCode(payload: Buffer): number | undefined {
  const result = decodeClosePayload(payload);
  return result instanceof ProtocolError ? result.closeCode : undefined;
}

describe('decodeClosePayload', () => {
  it('reads an empty payload as 1005, No Status Received (§7.1.5)', () => {
    expect(decodeClosePayload(Buffer.alloc(0))).toEqual({ code: 1005, reason: '' });
  });

  it('reads the code and the reason (§5.5.1)', () => {
    expect(decodeClosePayload(bytes('03 e8 62 79 65'))).toEqual({ code: 1000, reason: 'bye' });
  });

  it('fails with 1002 for a 1-byte payload (§5.5.1)', () => {
    expect(failureCode(bytes('03'))).toBe(1002);
  });

  it.each([1004, 1005, 1006, 1015, 999, 1016, 2999, 5000])(
    'fails with 1002 for code %i, which may not be sent (§7.4.1)',
    (code) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      expect(failureCode(payload)).toBe(1002);
    },
  );

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])(
    'reads code %i, which may be sent (§7.4.1, §7.4.2)',
    (code) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      expect(decodeClosePayload(payload)).toEqual({ code, reason: '' });
    },
  );

  it('fails with 1007 for a reason that is not UTF-8 (§5.5.1, §8.1)', () => {
    expect(failureCode(bytes('03 e8 ff'))).toBe(1007);
  });
});
