import { describe, expect, it } from 'vitest';
import { applyMask, randomMaskKey } from '../src/mask.ts';
import { bytes, RFC_MASK_KEY, seededBytes } from './helpers.ts';

const KEY = bytes('a1 b2 c3 d4');

/** RFC 6455 §5.3 written as plainly as possible: byte i XOR key byte (offset + i) mod 4. */
function maskByteByByte(data: Uint8Array, key: Uint8Array, offset = 0): Buffer {
  return Buffer.from(data.map((byte, i) => byte ^ key[(offset + i) % 4]!));
}

describe('applyMask', () => {
  it('masks the RFC example "Hello" with key 37 fa 21 3d into 7f 9f 4d 51 58 (§5.7)', () => {
    const data = Buffer.from('Hello');
    applyMask(data, RFC_MASK_KEY);
    expect(data).toEqual(bytes('7f 9f 4d 51 58'));
  });

  it('matches a byte-by-byte XOR for every length from 0 to 200 (§5.3)', () => {
    // Lengths from 32 up take the word-at-a-time path; shorter ones the byte loop.
    for (let length = 0; length <= 200; length++) {
      const data = seededBytes(length, length + 1);
      const expected = maskByteByByte(data, KEY);
      applyMask(data, KEY);
      expect(data, `length ${length}`).toEqual(expected);
    }
  });

  it('matches a byte-by-byte XOR at every byteOffset 0-3 inside a larger buffer, and touches nothing around it (§5.3)', () => {
    for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
      for (const length of [0, 1, 3, 31, 32, 33, 64, 67, 100]) {
        const backing = seededBytes(byteOffset + length + 8, 99);
        const original = Buffer.from(backing);
        // An 8-aligned ArrayBuffer, so byteOffset says exactly how misaligned the view is.
        const aligned = new Uint8Array(new ArrayBuffer(backing.length));
        aligned.set(backing);
        const view = aligned.subarray(byteOffset, byteOffset + length);

        applyMask(view, KEY);

        const label = `byteOffset ${byteOffset}, length ${length}`;
        const inside = original.subarray(byteOffset, byteOffset + length);
        expect(Buffer.from(view), label).toEqual(maskByteByByte(inside, KEY));
        expect(Buffer.from(aligned.subarray(0, byteOffset)), label).toEqual(
          original.subarray(0, byteOffset),
        );
        expect(Buffer.from(aligned.subarray(byteOffset + length)), label).toEqual(
          original.subarray(byteOffset + length),
        );
      }
    }
  });

  it('starts at key byte `offset` and returns the offset for the bytes that follow (§5.3)', () => {
    const data = Buffer.from('abcde');
    const next = applyMask(data, KEY, 2);
    expect(data).toEqual(maskByteByByte(Buffer.from('abcde'), KEY, 2));
    expect(next).toBe((2 + 5) % 4);
  });

  it('gives the same bytes applied in pieces, passing the returned offset on, as applied at once (§5.3)', () => {
    const original = seededBytes(200, 7);
    const atOnce = Buffer.from(original);
    applyMask(atOnce, KEY);
    // Every way of cutting 200 bytes in two, and a few in three.
    const cutSets = [
      ...Array.from({ length: 201 }, (_, i) => [i]),
      [1, 2],
      [3, 40],
      [33, 66],
      [5, 190],
    ];
    for (const cuts of cutSets) {
      const inPieces = Buffer.from(original);
      let offset = 0;
      let start = 0;
      for (const end of [...cuts, 200]) {
        offset = applyMask(inPieces.subarray(start, end), KEY, offset);
        start = end;
      }
      expect(inPieces, `cut at ${cuts.join(', ')}`).toEqual(atOnce);
    }
  });

  it('restores the data when applied twice: masking and unmasking are the same operation (§5.3)', () => {
    const original = seededBytes(1000, 3);
    const data = Buffer.from(original);
    applyMask(data, KEY);
    expect(data).not.toEqual(original);
    applyMask(data, KEY);
    expect(data).toEqual(original);
  });
});

describe('randomMaskKey', () => {
  it('returns 4 bytes (§5.3)', () => {
    expect(randomMaskKey()).toHaveLength(4);
  });

  it('returns a different key on each call (§5.3: "a fresh masking key")', () => {
    // 100 random 32-bit keys collide with a probability of about one in a million.
    const keys = new Set(Array.from({ length: 100 }, () => randomMaskKey().toString('hex')));
    expect(keys.size).toBe(100);
  });

  it('hands out keys that later calls never change, across refills of its random pool (§5.3)', () => {
    const first = randomMaskKey();
    const copy = Buffer.from(first);
    // 4096 bytes of pool make 1024 keys: 3000 calls refill it at least twice.
    for (let i = 0; i < 3000; i++) randomMaskKey();
    expect(first).toEqual(copy);
  });
});
