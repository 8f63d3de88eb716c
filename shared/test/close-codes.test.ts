import { describe, expect, it } from 'vitest';
import { CloseCode, closeCodeName, isValidCloseCode } from '../src/close-codes.ts';

// RFC 6455 §7.4.1 defines 1000-1015; §7.4.2 gives 3000-3999 to IANA and 4000-4999 to applications.
const SENDABLE = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];
const NOT_SENDABLE = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535];

describe('isValidCloseCode', () => {
  it.each(SENDABLE)('allows %i in a close frame (§7.4.1, §7.4.2)', (code) => {
    expect(isValidCloseCode(code)).toBe(true);
  });

  it.each(NOT_SENDABLE)('does not allow %i in a close frame (§7.4.1, §7.4.2)', (code) => {
    expect(isValidCloseCode(code)).toBe(false);
  });

  it('does not allow the codes that only report a state: 1005, 1006, 1015 (§7.4.1)', () => {
    const reportOnly = [
      CloseCode.NoStatusReceived,
      CloseCode.AbnormalClosure,
      CloseCode.TlsHandshake,
    ];
    expect(reportOnly.map(isValidCloseCode)).toEqual([false, false, false]);
  });
});

describe('closeCodeName', () => {
  it('names the codes RFC 6455 defines (§7.4.1)', () => {
    expect(closeCodeName(1000)).toBe('Normal Closure');
    expect(closeCodeName(1009)).toBe('Message Too Big');
  });

  it('calls 3000-3999 "registered" and 4000-4999 "private use" (§7.4.2)', () => {
    expect(closeCodeName(3001)).toBe('registered');
    expect(closeCodeName(4001)).toBe('private use');
  });

  it('calls anything else "unknown" (§7.4.2)', () => {
    expect(closeCodeName(2000)).toBe('unknown');
  });
});
