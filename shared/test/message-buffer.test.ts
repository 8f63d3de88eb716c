import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageBuffer } from '../src/message-buffer.ts';
import { collectGarbage, seededSizes } from './helpers.ts';

// One block of small pieces (BLOCK_SIZE in message-buffer.ts): what may be held unused on top of
// the 1.1x, in the block being filled.
const BLOCK = 16 * 1024;
const LIMIT = 16 * 1024 * 1024;
const CHUNK_SIZE = 64 * 1024;

/**
 * Appends one piece as the parser would: `size` bytes of a frame that brings `more` bytes after
 * them, cut from a read of their own. `alone`: the read is the piece and a frame header (a socket
 * delivering one frame); otherwise a 64 KiB read whose other bytes belong to other frames.
 */
function appendPiece(buffer: MessageBuffer, size: number, alone: boolean, more = 0): void {
  const offset = alone ? 14 : Math.max(0, Math.min(100, CHUNK_SIZE - size));
  // allocUnsafeSlow: memory of its own, as each socket read has; dropped after the append unless
  // the buffer keeps a view into it.
  const chunk = Buffer.allocUnsafeSlow(alone ? size + offset : Math.max(CHUNK_SIZE, size));
  const piece = chunk.subarray(offset, offset + size).fill(size & 0xff);
  buffer.append(piece, size + more, LIMIT - buffer.length);
}

// Fragment patterns: the size of each fragment's payload, in order, about 4 MiB in all.
const patterns: [string, number[]][] = [
  ['alternating 1 B and 4 KiB', Array.from({ length: 2048 }, (_, i) => (i % 2 ? 4096 : 1))],
  ['alternating 1 B and 16 KiB', Array.from({ length: 512 }, (_, i) => (i % 2 ? 16384 : 1))],
  ['random sizes from 1 B to 64 KiB', seededSizes(4 * 1024 * 1024, 64 * 1024, 1)],
];

describe('MessageBuffer', () => {
  it('hands back a single large piece as it is, without a copy', () => {
    const buffer = new MessageBuffer();
    const piece = Buffer.alloc(64 * 1024, 7);
    buffer.append(piece, piece.length, 1 << 20);
    expect(buffer.take()).toBe(piece);
  });

  it('joins large pieces in order, with one copy at the end', () => {
    const buffer = new MessageBuffer();
    const pieces = [Buffer.alloc(5000, 1), Buffer.alloc(6000, 2), Buffer.alloc(7000, 3)];
    for (const piece of pieces) buffer.append(piece, 18000, 1 << 20);
    expect(buffer.take().equals(Buffer.concat(pieces))).toBe(true);
  });

  it('copies small pieces into blocks, so a byte-by-byte message does not keep a Buffer per byte', () => {
    const buffer = new MessageBuffer();
    const message = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    for (let i = 0; i < message.length; i++) {
      buffer.append(message.subarray(i, i + 1), message.length - i, 1 << 20);
    }
    // Held: the bytes, plus at most the unused part of one 16 KiB block.
    expect(buffer.capacity).toBeLessThanOrEqual(message.length + 16 * 1024);
    expect(buffer.take().equals(message)).toBe(true);
  });

  it('copies a large piece that is a small part of its chunk: a view would keep all of it alive', () => {
    const buffer = new MessageBuffer();
    const chunk = Buffer.alloc(64 * 1024, 9);
    const piece = chunk.subarray(100, 100 + 4096);
    buffer.append(piece, piece.length, 1 << 20);
    const data = buffer.take();
    expect(data.equals(piece)).toBe(true);
    expect(data.buffer).not.toBe(chunk.buffer);
  });

  it('counts the whole chunk behind a piece it keeps as a view', () => {
    const buffer = new MessageBuffer();
    const chunk = Buffer.alloc(64 * 1024, 9);
    buffer.append(chunk.subarray(14), chunk.length - 14, 1 << 20); // a frame header before it
    expect(buffer.length).toBe(chunk.length - 14);
    expect(buffer.capacity).toBe(chunk.length);
    expect(buffer.take().buffer).toBe(chunk.buffer);
  });

  it('never allocates a block past the room the size limit leaves', () => {
    const buffer = new MessageBuffer();
    // Fragments of 10 bytes, a limit of 100: blocks double, but stop at the limit.
    for (let i = 0; i < 10; i++) buffer.append(Buffer.alloc(10, i), 10, 100 - buffer.length);
    expect(buffer.capacity).toBeLessThanOrEqual(100);
    expect(buffer.take().length).toBe(100);
  });

  it.each(patterns)('holds at most 1.1x what it collected, plus one block: %s', (_, sizes) => {
    for (const alone of [false, true]) {
      const buffer = new MessageBuffer();
      let worst = 0;
      for (const size of sizes) {
        appendPiece(buffer, size, alone);
        worst = Math.max(worst, buffer.capacity - 1.1 * buffer.length);
      }
      expect(
        worst,
        alone ? 'each fragment in a read of its own' : 'in busy reads',
      ).toBeLessThanOrEqual(BLOCK);
    }
  });

  it.each(patterns)('really holds no more, after garbage collection: %s', async (_, sizes) => {
    // What capacity counts must be what is alive: the memory of every ArrayBuffer, measured
    // around the test with nothing else allocated in between. Fragments in busy 64 KiB reads:
    // a view would keep its whole read alive.
    await collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const buffer = new MessageBuffer();
    for (const size of sizes) appendPiece(buffer, size, false);
    await collectGarbage();
    const held = process.memoryUsage().arrayBuffers - before;
    expect(held).toBeLessThanOrEqual(buffer.capacity + BLOCK);
    expect(held).toBeLessThanOrEqual(1.1 * buffer.length + BLOCK);
    expect(buffer.take().length).toBe(sizes.reduce((sum, size) => sum + size, 0));
  });

  it('holds at most 1.1x what it collected, plus one block, for any pieces in any reads; and gives them back in order', () => {
    const piece = fc.record({
      size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 70_000 })),
      alone: fc.boolean(),
      more: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1 << 20 })),
    });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), (pieces) => {
        const buffer = new MessageBuffer();
        for (const { size, alone, more } of pieces) {
          appendPiece(buffer, size, alone, more);
          if (buffer.capacity > 1.1 * buffer.length + BLOCK) return false;
        }
        const sent = pieces.map(({ size }) => Buffer.alloc(size, size & 0xff));
        return buffer.take().equals(Buffer.concat(sent));
      }),
      { numRuns: 200 },
    );
  });

  it('starts empty again after take()', () => {
    const buffer = new MessageBuffer();
    buffer.append(Buffer.from('abc'), 3, 100);
    buffer.take();
    expect(buffer.length).toBe(0);
    expect(buffer.take().length).toBe(0);
  });
});
