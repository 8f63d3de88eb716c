// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops.
import { Buffer } from 'node:buffer';

// A piece at least this big that is nearly all of the chunk it came in is kept there, as a view.
// A view keeps its whole chunk alive: a 4 KiB fragment in a 64 KiB read full of pongs would hold
// 16 times what it counts, so it is copied instead. Kept views are at least 15/16 of what they
// hold: within 1/15 of their bytes.
const VIEW_AT_LEAST = 4 * 1024;
const VIEW_SHARE = 15 / 16;
// Other pieces are copied into blocks of at most this size (or of the piece's size, if larger).
const BLOCK_SIZE = 16 * 1024;
// A block that must be closed before it is full (a view comes next) is copied into a buffer of
// the size of its used part, unless at most this share of it is unused: closed blocks waste at
// most 1/16, within 1/15 of their bytes, like views. With the one block being filled, what is
// held stays within 1/15 of the bytes collected, plus one block.
const BLOCK_WASTE = 1 / 16;

/**
 * Collects a message's bytes as they arrive, in fragments and TCP chunks, copying as little as
 * it can, and never holding much more memory than the bytes it collected:
 *
 * - a large piece that is (nearly) a whole chunk, as a socket delivers a big message 64 KiB at a
 *   time, is kept where it is;
 * - every other piece is copied into the current block until it is full, then into a new one, so
 *   a peer that sends a message a few bytes at a time costs a few blocks, not one Buffer object
 *   per few bytes, and no block is left mostly empty whatever the sizes of the pieces;
 * - `take()` joins the pieces with one copy, or none when there is only one.
 *
 * Memory follows the bytes that actually arrived, never the length a header claims: a peer that
 * announces a 1 GiB frame and sends 10 bytes costs 10 bytes here (blocks are at most 16 KiB
 * larger than the pieces copied into them).
 */
export class MessageBuffer {
  #pieces: Buffer[] = [];
  #length = 0;
  // The memory behind the pieces: a view's whole chunk, a block's whole size.
  #held = 0;
  // The block pieces are being copied into, and how much of it is used.
  #block: Buffer | undefined;
  #blockUsed = 0;
  #lastBlockSize = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of memory held: every chunk a kept piece lies in, and every block, used or not. */
  get capacity(): number {
    return this.#held;
  }

  /**
   * Appends `piece`. `expected` is how many bytes of the frame being read have not been stored
   * yet, this piece included; `room` is the most the message may still grow, this piece included
   * (the size limit minus what is stored). A new block holds at least what is left of the piece;
   * beyond that it is sized for what this frame will bring, doubling for a message that keeps
   * coming in small fragments, but never past BLOCK_SIZE or the limit.
   */
  append(piece: Buffer, expected: number, room: number): void {
    this.#length += piece.length;
    const chunkBytes = piece.buffer.byteLength;
    if (piece.length >= VIEW_AT_LEAST && piece.length >= chunkBytes * VIEW_SHARE) {
      this.#closeBlock();
      this.#pieces.push(piece);
      this.#held += chunkBytes;
      return;
    }
    let copied = 0;
    if (this.#block) copied = piece.copy(this.#block, this.#blockUsed);
    this.#blockUsed += copied;
    if (copied === piece.length) return;
    // The block is full (or there is none): the rest goes into a new one.
    this.#closeBlock();
    const rest = piece.length - copied;
    const wanted = Math.max(expected - copied, this.#lastBlockSize * 2);
    const size = Math.max(rest, Math.min(BLOCK_SIZE, wanted, room - copied));
    // allocUnsafeSlow: a block of its own. Buffer.allocUnsafe would cut small blocks out of
    // Node's shared 8 KiB pool, and one live block would keep the whole pool slab alive.
    this.#block = Buffer.allocUnsafeSlow(size);
    this.#blockUsed = piece.copy(this.#block, 0, copied);
    this.#lastBlockSize = size;
    this.#held += size;
  }

  /** Hands over the collected bytes and starts again empty. */
  take(): Buffer {
    // The current block's used part, as it is: it is about to be copied, or handed over whole.
    if (this.#block) this.#pieces.push(this.#block.subarray(0, this.#blockUsed));
    const first = this.#pieces[0];
    const data =
      this.#pieces.length === 1 && first ? first : Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [];
    this.#length = 0;
    this.#held = 0;
    this.#block = undefined;
    this.#blockUsed = 0;
    this.#lastBlockSize = 0;
    return data;
  }

  // The current block becomes a piece: its used part, copied into a buffer of that size if more
  // than BLOCK_WASTE of it is unused (a view or a new block comes next: it will not fill up).
  #closeBlock(): void {
    const block = this.#block;
    if (block === undefined) return;
    const used = this.#blockUsed;
    if (block.length - used <= block.length * BLOCK_WASTE) {
      this.#pieces.push(block.subarray(0, used));
    } else {
      const trimmed = Buffer.allocUnsafeSlow(used);
      block.copy(trimmed, 0, 0, used);
      this.#pieces.push(trimmed);
      this.#held -= block.length - used;
    }
    this.#block = undefined;
    this.#blockUsed = 0;
  }
}
