import { describe, expect, it } from 'vitest';
import { MessageBuffer } from '../src/message-buffer.ts';

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

  it('starts empty again after take()', () => {
    const buffer = new MessageBuffer();
    buffer.append(Buffer.from('abc'), 3, 100);
    buffer.take();
    expect(buffer.length).toBe(0);
    expect(buffer.take().length).toBe(0);
  });
});
