// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops.
import { Buffer } from 'node:buffer';

// A piece at least this big is kept on its own, as a view into the chunk it came in when it is
// nearly all of that chunk, or as a copy otherwise. A view keeps its whole chunk alive: a 4 KiB
// fragment in a 64 KiB read full of pongs would hold 16 times what it counts. Kept views are at
// least 15/16 of what they hold, so the memory held stays within 1/15 of the message's bytes.
const VIEW_AT_LEAST = 4 * 1024;
const VIEW_SHARE = 15 / 16;
// Smaller pieces are copied together into blocks of at most this size.
const BLOCK_SIZE = 16 * 1024;

/**
 * Collects a message's bytes as they arrive, in fragments and TCP chunks, copying as little as
 * it can, and never holding much more memory than the bytes it collected:
 *
 * - a large piece that is (nearly) a whole chunk, as a socket delivers a big message 64 KiB at a
 *   time, is kept where it is; a large piece that is a small part of its chunk is copied out;
 * - small pieces are copied together into blocks, so a peer that sends a message a few bytes at
 *   a time costs a few blocks, not one Buffer object per few bytes;
 * - `take()` joins the pieces with one copy, or none when there is only one.
 *
 * Memory follows the bytes that actually arrived, never the length a header claims: a peer that
 * announces a 1 GiB frame and sends 10 bytes costs 10 bytes here.
 */
export class MessageBuffer {
  #pieces: Buffer[] = [];
  #length = 0;
  // The memory behind the pieces: a view's whole chunk, a block's whole size.
  #held = 0;
  // The block small pieces are being copied into, and how much of it is used.
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
   * (the size limit minus what is stored). Blocks are sized between the two: at least what this
   * frame will bring, doubling for a message that keeps coming in small fragments, never past
   * the limit.
   */
  append(piece: Buffer, expected: number, room: number): void {
    this.#length += piece.length;
    if (piece.length >= VIEW_AT_LEAST) {
      this.#sealBlock();
      const chunkBytes = piece.buffer.byteLength;
      if (piece.length >= chunkBytes * VIEW_SHARE) {
        this.#pieces.push(piece);
        this.#held += chunkBytes;
      } else {
        // Most of the chunk is other frames: copy this piece out, in one piece of its own.
        const copy = Buffer.allocUnsafeSlow(piece.length);
        piece.copy(copy);
        this.#pieces.push(copy);
        this.#held += piece.length;
      }
      return;
    }
    let copied = 0;
    while (copied < piece.length) {
      if (this.#block === undefined || this.#blockUsed === this.#block.length) {
        this.#sealBlock();
        const wanted = Math.max(expected - copied, this.#lastBlockSize * 2);
        this.#lastBlockSize = Math.max(1, Math.min(BLOCK_SIZE, wanted, room - copied));
        // allocUnsafeSlow: a block of its own. Buffer.allocUnsafe would cut small blocks out of
        // Node's shared 8 KiB pool, and one live block would keep the whole pool slab alive.
        this.#block = Buffer.allocUnsafeSlow(this.#lastBlockSize);
        this.#held += this.#lastBlockSize;
      }
      const count = piece.copy(this.#block, this.#blockUsed, copied);
      this.#blockUsed += count;
      copied += count;
    }
  }

  /** Hands over the collected bytes and starts again empty. */
  take(): Buffer {
    this.#sealBlock();
    const first = this.#pieces[0];
    const data =
      this.#pieces.length === 1 && first ? first : Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [];
    this.#length = 0;
    this.#held = 0;
    this.#lastBlockSize = 0;
    return data;
  }

  // The current block becomes a piece: only its used part.
  #sealBlock(): void {
    if (this.#block && this.#blockUsed > 0) {
      this.#pieces.push(this.#block.subarray(0, this.#blockUsed));
    }
    this.#block = undefined;
    this.#blockUsed = 0;
  }
}
