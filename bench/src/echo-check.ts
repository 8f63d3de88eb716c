// What the load generator checks of every echo: that it is, byte for byte, the frame it must be.
// A server that echoes an empty payload, the wrong opcode or a changed byte gets no figure: a
// cheaper wrong echo would otherwise even look faster.
import { opcodeName } from 'shared';

/** What came back was not the echo of what was sent; the message says how, in one line. */
export class WrongEcho extends Error {}

/**
 * The expected bytes, laid end to end until they fill at least this many: one comparison then
 * covers many small echoes (a call into `Buffer.compare` per 34-byte echo would cost the load
 * generator more than the echo costs a fast server).
 */
const TAPE_BYTES = 64 * 1024;

/** The longest frame header: 2 bytes, 8 of length, 4 of mask key (RFC 6455 §5.2). */
const MAX_HEADER = 14;
/** A greeting longer than this is not a greeting. */
const MAX_GREETING = 64 * 1024;

/**
 * Reads one connection's stream of echoes and checks each against `expected`, the one frame that
 * every echo must be: the server's unmasked binary frame with the payload sent (RFC 6455 §5.2
 * leaves a server one way to write it: FIN set, no RSV bits, no mask, the length in as few bytes
 * as it fits), or for the TCP echo server the masked frame itself. The first `skip` frames, of
 * any content, are not echoes (the hello servers' greeting).
 */
export class EchoChecker {
  readonly #frame: number;
  readonly #tape: Buffer;
  readonly #headerLength: number;
  // Where in the expected frame the next byte belongs.
  #at = 0;
  #echoes = 0;
  #skip: number;
  #greeting: Buffer = Buffer.alloc(0);

  constructor(expected: Buffer, skip = 0) {
    this.#frame = expected.length;
    const copies = Math.max(1, Math.ceil(TAPE_BYTES / expected.length));
    this.#tape = Buffer.concat(Array.from({ length: copies }, () => expected));
    this.#headerLength = headerLength(expected) ?? 2;
    this.#skip = skip;
  }

  /** Reads a chunk; returns how many echoes it completed. Throws `WrongEcho` at the first wrong byte. */
  push(chunk: Buffer): number {
    let offset = 0;
    if (this.#skip > 0) {
      offset = this.#skipGreeting(chunk);
      if (offset === chunk.length) return 0;
    }
    let echoes = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.#tape.length - this.#at, chunk.length - offset);
      if (chunk.compare(this.#tape, this.#at, this.#at + take, offset, offset + take) !== 0) {
        throw new WrongEcho(this.#describe(chunk, offset, take));
      }
      offset += take;
      const end = this.#at + take;
      echoes += Math.floor(end / this.#frame);
      this.#at = end % this.#frame;
    }
    this.#echoes += echoes;
    return echoes;
  }

  /** Drops the greeting frames at the start; returns where in `chunk` the echoes start. */
  #skipGreeting(chunk: Buffer): number {
    // Once per connection, and small: joining the pieces costs nothing worth saving.
    this.#greeting = Buffer.concat([this.#greeting, chunk]);
    let used = 0;
    while (this.#skip > 0) {
      const header = headerLength(this.#greeting.subarray(used));
      if (header === undefined) break;
      const length = payloadLength(this.#greeting.subarray(used));
      if (length > MAX_GREETING) {
        throw new WrongEcho(`the greeting is ${describeHeader(this.#greeting.subarray(used))}`);
      }
      if (this.#greeting.length - used < header + length) break;
      used += header + length;
      this.#skip -= 1;
    }
    const rest = this.#greeting.subarray(used);
    this.#greeting = this.#skip > 0 ? Buffer.from(rest) : Buffer.alloc(0);
    if (this.#skip > 0) return chunk.length;
    // What follows the greeting in the bytes held so far starts the echoes; it is at the end of
    // `chunk`, since everything before this chunk was part of an unfinished greeting.
    return chunk.length - rest.length;
  }

  /** One line on the first wrong byte in `chunk[offset, offset + take)`. */
  #describe(chunk: Buffer, offset: number, take: number): string {
    let i = 0;
    while (i < take && chunk[offset + i] === this.#tape[this.#at + i]) i++;
    const at = (this.#at + i) % this.#frame;
    const echo = this.#echoes + Math.floor((this.#at + i) / this.#frame) + 1;
    const expected = this.#tape.subarray(0, this.#frame);
    if (at < this.#headerLength) {
      // The bytes before `at` were as expected; the rest of the header is in this chunk (or not
      // yet arrived: then the description says what is known).
      const got = Buffer.concat([
        expected.subarray(0, at),
        chunk.subarray(offset + i, offset + i + MAX_HEADER - at),
      ]);
      return `echo ${echo} is ${describeHeader(got)}, expected ${describeHeader(expected)}`;
    }
    const payloadAt = at - this.#headerLength;
    return (
      `echo ${echo}: payload byte ${payloadAt} of ${this.#frame - this.#headerLength} is ` +
      `0x${hex(chunk[offset + i])}, expected 0x${hex(expected[at])}`
    );
  }
}

const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0');

/** The length of the frame header at the start of `bytes`, if all of it is there. */
function headerLength(bytes: Buffer): number | undefined {
  const second = bytes[1];
  if (second === undefined) return undefined;
  const field = second & 0x7f;
  const length = 2 + (field === 126 ? 2 : field === 127 ? 8 : 0) + (second & 0x80 ? 4 : 0);
  return bytes.length >= length ? length : undefined;
}

/** The payload length the header at the start of `bytes` announces (the header is all there). */
function payloadLength(bytes: Buffer): number {
  const field = bytes[1]! & 0x7f;
  if (field === 126) return bytes.readUInt16BE(2);
  if (field === 127) return Number(bytes.readBigUInt64BE(2));
  return field;
}

/** "a TEXT frame of 100 bytes", "a BINARY frame of 0 bytes, masked", "a frame cut short: 82 7f". */
export function describeHeader(bytes: Buffer): string {
  if (headerLength(bytes) === undefined) {
    return `a frame whose header is cut short: ${[...bytes].map(hex).join(' ')}`;
  }
  const first = bytes[0]!;
  const notes = [
    first & 0x80 ? '' : 'FIN not set',
    first & 0x70 ? `RSV bits ${((first >> 4) & 7).toString(2).padStart(3, '0')}` : '',
    bytes[1]! & 0x80 ? 'masked' : '',
  ].filter(Boolean);
  const length = payloadLength(bytes).toLocaleString('en-US');
  return `a ${opcodeName(first & 0x0f)} frame of ${length} bytes${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`;
}
