const EMPTY = Buffer.alloc(0);

// The first allocation for a message that does not arrive in one piece.
const MIN_CAPACITY = 16 * 1024;

/**
 * Collects a message's bytes as they arrive, in fragments and TCP chunks.
 *
 * Memory grows with the bytes that actually arrived (doubling, so at most twice as many), never
 * with what a header claims: a peer that announces a 1 GiB frame and sends 10 bytes costs
 * 10 bytes of storage here.
 */
export class MessageBuffer {
  #bytes: Buffer = EMPTY;
  #length = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of memory held, collected or not. */
  get capacity(): number {
    return this.#bytes.length;
  }

  /**
   * Appends `piece`. `bound` is the most the message can hold once the frame being read ends:
   * growth never goes past it, so a short frame split across two chunks takes no more than its size.
   */
  append(piece: Uint8Array, bound: number): void {
    const needed = this.#length + piece.length;
    if (needed > this.#bytes.length) {
      const doubled = Math.max(this.#bytes.length * 2, MIN_CAPACITY);
      const bytes = Buffer.allocUnsafe(Math.max(needed, Math.min(doubled, bound)));
      this.#bytes.copy(bytes, 0, 0, this.#length);
      this.#bytes = bytes;
    }
    this.#bytes.set(piece, this.#length);
    this.#length = needed;
  }

  /** A view of bytes `start` to `end` (for tracing a frame's share of the message). */
  view(start: number, end: number): Buffer {
    return this.#bytes.subarray(start, end);
  }

  /** Hands over the collected bytes and starts again empty. */
  take(): Buffer {
    const data = this.#bytes.subarray(0, this.#length);
    this.#bytes = EMPTY;
    this.#length = 0;
    return data;
  }
}
