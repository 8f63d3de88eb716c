import { isUtf8 } from 'node:buffer';

/**
 * RFC 6455 §5.6 and §8.1: a text message is UTF-8 (RFC 3629), and an endpoint that receives
 * invalid UTF-8 must fail the connection with 1007.
 *
 * A message arrives in pieces: fragments (§5.4), and each fragment in as many TCP chunks as the
 * network makes. This validator takes the pieces in order. A code point split between two pieces is
 * fine; an invalid byte is reported by the push that brings it, not at the end of the message.
 *
 * The bulk of each piece is checked by Node's `buffer.isUtf8` (native code); this class only
 * handles the at most 3 bytes of a code point that straddles two pieces.
 */
export class Utf8Validator {
  // The code point left open by the previous piece: how many continuation bytes it still needs and
  // the range its next byte must fall in (RFC 3629 §4 narrows the byte after E0, ED, F0 and F4).
  #needed = 0;
  #lower = 0x80;
  #upper = 0xbf;

  /** Checks the next piece. Returns false as soon as the text so far cannot be valid UTF-8. */
  push(piece: Uint8Array): boolean {
    let start = 0;
    // 1. Finish the code point the previous piece left open.
    while (this.#needed > 0 && start < piece.length) {
      if (!this.#continue(piece[start]!)) return false;
      start++;
    }
    if (start === piece.length) return true;

    // 2. Everything up to a code point this piece leaves open must be complete and valid.
    const open = openCodePointStart(piece, start);
    const whole = start === 0 && open === piece.length ? piece : piece.subarray(start, open);
    if (!isUtf8(whole)) return false;

    // 3. Check the open code point's first bytes, and remember what it still needs.
    for (let i = open; i < piece.length; i++) {
      const ok = i === open ? this.#begin(piece[i]!) : this.#continue(piece[i]!);
      if (!ok) return false;
    }
    return true;
  }

  /** Call at the end of the message: false if it stopped in the middle of a code point. */
  end(): boolean {
    const complete = this.#needed === 0;
    this.reset();
    return complete;
  }

  reset(): void {
    this.#needed = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  // A lead byte, with the table of RFC 3629 §4: C2-DF start 2-byte, E0-EF 3-byte and F0-F4
  // 4-byte code points; C0, C1 and F5-FF never appear. The narrower ranges for the second byte
  // rule out overlong forms (after E0 and F0), UTF-16 surrogates (after ED) and code points
  // above U+10FFFF (after F4).
  #begin(byte: number): boolean {
    if (byte >= 0xc2 && byte <= 0xdf) this.#expect(1, 0x80, 0xbf);
    else if (byte === 0xe0) this.#expect(2, 0xa0, 0xbf);
    else if (byte === 0xed) this.#expect(2, 0x80, 0x9f);
    else if (byte >= 0xe1 && byte <= 0xef) this.#expect(2, 0x80, 0xbf);
    else if (byte === 0xf0) this.#expect(3, 0x90, 0xbf);
    else if (byte === 0xf4) this.#expect(3, 0x80, 0x8f);
    else if (byte >= 0xf1 && byte <= 0xf3) this.#expect(3, 0x80, 0xbf);
    else return false;
    return true;
  }

  #expect(needed: number, lower: number, upper: number): void {
    this.#needed = needed;
    this.#lower = lower;
    this.#upper = upper;
  }

  #continue(byte: number): boolean {
    if (byte < this.#lower || byte > this.#upper) return false;
    this.#needed--;
    this.#lower = 0x80;
    this.#upper = 0xbf;
    return true;
  }
}

/**
 * Where the code point that `piece` leaves unfinished begins, or `piece.length` if none does.
 * A UTF-8 code point is at most 4 bytes, so only the last 3 bytes can start an unfinished one.
 */
function openCodePointStart(piece: Uint8Array, start: number): number {
  const end = piece.length;
  for (let i = end - 1; i >= start && i >= end - 3; i--) {
    const byte = piece[i]!;
    if ((byte & 0xc0) === 0x80) continue; // 10xxxxxx: a continuation byte, keep looking back
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + size > end ? i : end;
  }
  return end;
}
