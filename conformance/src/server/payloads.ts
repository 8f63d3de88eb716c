/** Payloads the cases send: easy to tell apart, and the same on every run. */

/** `n` bytes that go through every byte value, in an order that is not a plain count. */
export function binaryPayload(n: number): Buffer {
  const bytes = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

const TEXT = 'The quick brown fox jumps over the lazy dog. 0123456789 ';

/** `n` bytes of ASCII text. */
export function textPayload(n: number): Buffer {
  return Buffer.from(TEXT.repeat(Math.ceil(n / TEXT.length) + 1).slice(0, n));
}

/** Bytes from hex: `ce ba e1 bd b9` -> the five bytes. */
export function bytes(hexText: string): Buffer {
  return Buffer.from(hexText.replace(/\s+/g, ''), 'hex');
}
