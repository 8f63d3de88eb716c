import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator } from '../src/utf8.ts';
import { bytes, cutAt } from './helpers.ts';

/** Runs a whole message through a fresh validator, piece by piece. */
function validate(pieces: readonly Buffer[]): boolean {
  const validator = new Utf8Validator();
  return pieces.every((piece) => validator.push(piece)) && validator.end();
}

/** What Node and the WHATWG decoder say: the answer the validator must agree with. */
function reference(data: Buffer): boolean {
  const byNode = isUtf8(data);
  let byDecoder = true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    byDecoder = false;
  }
  expect(byDecoder, `isUtf8 and TextDecoder disagree on ${data.toString('hex')}`).toBe(byNode);
  return byNode;
}

// Valid and invalid sequences from RFC 3629 §4, each alone and between other characters.
const samples: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  ASCII: Buffer.from('Hello'),
  '2-byte é': Buffer.from('é'),
  '3-byte €': Buffer.from('€'),
  '4-byte 😀 (astral)': Buffer.from('😀'),
  'mixed text': Buffer.from('héllo wörld € 😀 𝄞!'),
  'U+FFFF, U+10000, U+10FFFF': Buffer.from('\uffff\u{10000}\u{10ffff}'),
  'overlong 2-byte "/" C0 AF': bytes('c0 af'),
  'overlong 3-byte E0 80 AF': bytes('e0 80 af'),
  'overlong 4-byte F0 80 80 AF': bytes('f0 80 80 af'),
  'surrogate U+D800 ED A0 80': bytes('ed a0 80'),
  'surrogate U+DFFF ED BF BF': bytes('ed bf bf'),
  'above U+10FFFF F4 90 80 80': bytes('f4 90 80 80'),
  'lone continuation byte 80': bytes('80'),
  'C0 byte': bytes('c0'),
  'C1 byte': bytes('c1 81'),
  'F5 byte': bytes('f5 80 80 80'),
  'FF byte': bytes('ff'),
  'truncated € E2 82': bytes('e2 82'),
  'truncated 😀 F0 9F 98': bytes('f0 9f 98'),
  '€ missing a byte, then ASCII': bytes('e2 82 41'),
  'two continuation bytes after a 2-byte lead': bytes('c3 a9 a9'),
};

describe('Utf8Validator agrees with isUtf8 and TextDecoder (RFC 3629 §4, RFC 6455 §8.1)', () => {
  for (const [name, sample] of Object.entries(samples)) {
    it(`on ${name}, alone and inside other text, cut at every position (§8.1)`, () => {
      for (const data of [
        sample,
        Buffer.concat([Buffer.from('ab€'), sample, Buffer.from('😀z')]),
      ]) {
        const expected = reference(data);
        for (let cut = 0; cut <= data.length; cut++) {
          expect(validate(cutAt(data, [cut])), `${data.toString('hex')} cut at ${cut}`).toBe(
            expected,
          );
        }
        expect(validate(cutAt(data, [...data.keys()])), 'one byte at a time').toBe(expected);
      }
    });
  }

  it('on random bytes cut into random pieces (§8.1)', () => {
    // Bytes drawn mostly from the ranges that matter: ASCII, continuation bytes, lead bytes.
    const byte = fc.oneof(
      fc.integer({ min: 0x00, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.integer({ min: 0xc0, max: 0xff }),
    );
    const data = fc.array(byte, { maxLength: 40 }).map((list) => Buffer.from(list));
    fc.assert(
      fc.property(data, fc.array(fc.nat({ max: 40 }), { maxLength: 6 }), (input, cuts) => {
        expect(validate(cutAt(input, cuts))).toBe(reference(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('on valid text with one byte replaced, cut into random pieces (§8.1)', () => {
    const input = fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.nat({ max: 255 }),
      )
      .map(([text, at, value]) => {
        const data = Buffer.from(text);
        data[at % data.length] = value;
        return data;
      });
    fc.assert(
      fc.property(input, fc.array(fc.nat({ max: 80 }), { maxLength: 6 }), (data, cuts) => {
        expect(validate(cutAt(data, cuts))).toBe(reference(data));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Utf8Validator, piece by piece', () => {
  it('accepts a code point split across two pieces (§5.6: fragments need not end on a character)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(bytes('41 e2 82'))).toBe(true); // "A" and the first 2 bytes of "€"
    expect(validator.push(bytes('ac'))).toBe(true); // the last byte of "€"
    expect(validator.end()).toBe(true);
  });

  it('accepts a 4-byte code point split into four pieces (§5.6)', () => {
    const validator = new Utf8Validator();
    for (const byte of Buffer.from('😀')) expect(validator.push(Buffer.from([byte]))).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it('reports an invalid byte in the push that brings it, not at the end of the message (§8.1)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Buffer.from('fine so far'))).toBe(true);
    expect(validator.push(bytes('ff'))).toBe(false);
  });

  it('reports a bad second byte of a split code point as soon as it arrives (§8.1)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(bytes('ed'))).toBe(true); // ED may start U+D000-U+D7FF...
    expect(validator.push(bytes('a0'))).toBe(false); // ...but ED A0 would be a surrogate
  });

  it('reports an overlong lead at the end of a piece at once (§8.1)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(bytes('41 c0'))).toBe(false); // C0 only ever starts an overlong form
  });

  it('says at the end when the message stopped inside a code point (§8.1)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(bytes('f0 9f 98'))).toBe(true);
    expect(validator.end()).toBe(false);
  });

  it('starts the next message afresh after end() (§8.1)', () => {
    const validator = new Utf8Validator();
    validator.push(bytes('e2 82'));
    validator.end();
    expect(validator.push(Buffer.from('next message'))).toBe(true);
    expect(validator.end()).toBe(true);
  });
});
