/**
 * Counts the frames in a stream of bytes without looking at their payloads: the load generator
 * only needs to know when each echo has fully arrived. (The full parser in `shared` checks
 * everything; here that would make the load generator, not the server, the bottleneck.)
 */
export class FrameCounter {
  // Header bytes that arrived at the end of the last chunk, waiting for the rest.
  #carry: Buffer | undefined;
  // Payload bytes of the current frame still to come.
  #remaining = 0;

  /** Reads a chunk and returns how many frames it completed. */
  push(chunk: Buffer): number {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = undefined;
    let offset = 0;
    let frames = 0;
    for (;;) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, data.length - offset);
        offset += take;
        this.#remaining -= take;
        if (this.#remaining > 0) break;
        frames += 1;
      }
      if (offset === data.length) break;
      // RFC 6455 §5.2: 2 bytes, then 0, 2 or 8 bytes of length, then 4 of mask key if masked.
      const second = data[offset + 1];
      if (second === undefined) {
        this.#carry = Buffer.from(data.subarray(offset));
        break;
      }
      const lengthField = second & 0x7f;
      const lengthBytes = lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0;
      const headerLength = 2 + lengthBytes + (second & 0x80 ? 4 : 0);
      if (data.length - offset < headerLength) {
        this.#carry = Buffer.from(data.subarray(offset));
        break;
      }
      const length =
        lengthBytes === 0
          ? lengthField
          : lengthBytes === 2
            ? data.readUInt16BE(offset + 2)
            : Number(data.readBigUInt64BE(offset + 2));
      offset += headerLength;
      if (length === 0) frames += 1;
      else this.#remaining = length;
    }
    return frames;
  }
}
