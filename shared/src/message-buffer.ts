// Imported rather than global: Node 20's global `Buffer` is a getter, slower in hot loops.
import { Buffer } from 'node:buffer';

// A piece at least this big is kept where it lies, as a view into the chunk it came in.
const VIEW_AT_LEAST = 4 * 1024;
// Smaller pieces are copied together into blocks of at most this size.
const BLOCK_SIZE = 16 * 1024;

/**
 * Collects a message's bytes as they arrive, in fragments and TCP chunks, copying as little as
 * it can:
 *
 * - a large piece (as a socket delivers a big message: 64 KiB at a time) is kept where it is;
 * - small pieces are copied together into blocks, so a peer that sends a message a few bytes at a
 *   time costs a few blocks, not one Buffer object per few bytes;
 * - `take()` joins the pieces with one copy, or none when there is only one.
 *
 * Memory follows the bytes that actually arrived, never the length a header claims: a peer that
 * announces a 1 GiB frame and sends 10 bytes costs 10 bytes here.
 */
export class MessageBuffer {
  #pieces: Buffer[] = [];
  #length = 0;
  // The block small pieces are being copied into, and how much of it is used.
  #block: Buffer | undefined;
  #blockUsed = 0;
  #lastBlockSize = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of memory held: collected, plus the unused rest of the current block. */
  get capacity(): number {
    return this.#length + (this.#block ? this.#block.length - this.#blockUsed : 0);
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
      this.#pieces.push(piece);
      return;
    }
    let copied = 0;
    while (copied < piece.length) {
      if (this.#block === undefined || this.#blockUsed === this.#block.length) {
        this.#sealBlock();
        const wanted = Math.max(expected - copied, this.#lastBlockSize * 2);
        this.#lastBlockSize = Math.max(1, Math.min(BLOCK_SIZE, wanted, room - copied));
        this.#block = Buffer.allocUnsafe(this.#lastBlockSize);
      }
      const count = piece.copy(this.#block, this.#blockUsed, copied);
      this.#blockUsed += count;
      copied += count;
    }
  }

  /** A copy of bytes `start` to `end` (to show a frame's share of the message in a trace). */
  slice(start: number, end: number): Buffer {
    return this.#joined().subarray(start, end);
  }

  /** Hands over the collected bytes and starts again empty. */
  take(): Buffer {
    const data = this.#joined();
    this.#pieces = [];
    this.#length = 0;
    this.#lastBlockSize = 0;
    return data;
  }

  #joined(): Buffer {
    this.#sealBlock();
    const first = this.#pieces[0];
    if (this.#pieces.length === 1 && first) return first;
    const data = Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [data];
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
