/**
 * Small tools the tests share: bytes from hex dumps, frames with any header (including the invalid
 * ones encodeFrame refuses to build), a parser run over chunks, and a model of message streams for
 * the property and differential tests.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { encodeFrame, type OutgoingFrame } from '../src/frame.ts';
import { Opcode } from '../src/opcode.ts';
import { FrameParser, type ParserEvent, type ParserOptions } from '../src/parser.ts';

/** Bytes from a hex dump written the way RFC 6455 prints them: `bytes('81 05 48 65 6c 6c 6f')`. */
export function bytes(hexDump: string): Buffer {
  return Buffer.from(hexDump.replace(/\s+/g, ''), 'hex');
}

/** The masking key of the examples in RFC 6455 §5.7. */
export const RFC_MASK_KEY = bytes('37 fa 21 3d');

export { type RawFrameFields, rawFrame } from '../testing/raw-frame.ts';

/**
 * Pushes `chunks` in order into a new parser and returns all the events. Each chunk is copied
 * first: the parser unmasks payloads in place, so the caller's buffers stay reusable.
 */
export function parse(chunks: Buffer | readonly Buffer[], options: ParserOptions): ParserEvent[] {
  const parser = new FrameParser(options);
  const list = Buffer.isBuffer(chunks) ? [chunks] : chunks;
  return list.flatMap((chunk) => parser.push(Buffer.from(chunk)));
}

/** `parse`, with each event summarized: a plain value to compare with `toEqual`. */
export function read(chunks: Buffer | readonly Buffer[], options: ParserOptions): EventSummary[] {
  return parse(chunks, options).map(summarize);
}

/** An event as a plain value, easy to compare and to read in a failure: text as a string, other payloads in hex. */
export type EventSummary =
  | { type: 'text'; data: string }
  | { type: 'binary' | 'ping' | 'pong'; data: string }
  | { type: 'close'; code: number; reason: string }
  | { type: 'error'; closeCode: number };

export function summarize(event: ParserEvent): EventSummary {
  switch (event.type) {
    case 'text':
      return { type: 'text', data: event.data.toString('utf8') };
    case 'binary':
    case 'ping':
    case 'pong':
      return { type: event.type, data: event.data.toString('hex') };
    case 'close':
      return { type: 'close', code: event.code, reason: event.reason };
    case 'error':
      return { type: 'error', closeCode: event.error.closeCode };
  }
}

/** Cuts `buffer` at the given positions (in any order; out-of-range ones are clamped). */
export function cutAt(buffer: Buffer, positions: readonly number[]): Buffer[] {
  const cuts = positions.map((p) => Math.max(0, Math.min(buffer.length, p))).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(buffer.subarray(start, cut));
    start = cut;
  }
  pieces.push(buffer.subarray(start));
  return pieces;
}

/** Cuts `buffer` into pieces of `size` bytes (the last one may be shorter). */
export function chunksOf(buffer: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < buffer.length; start += size) {
    pieces.push(buffer.subarray(start, start + size));
  }
  return pieces;
}

// "é€😀a": characters of 2, 3, 4 and 1 bytes, so chunk boundaries fall inside code points.
const MIXED_UTF8 = Buffer.from('é€😀a');

/**
 * A payload of exactly `size` bytes. For text it is valid UTF-8 with characters of every length
 * (padded with ASCII at the end); for binary it is every byte value in turn.
 */
export function samplePayload(type: 'text' | 'binary', size: number): Buffer {
  const payload = Buffer.alloc(size);
  if (type === 'binary') {
    for (let i = 0; i < size; i++) payload[i] = (i * 7 + 3) & 0xff;
    return payload;
  }
  const whole = size - (size % MIXED_UTF8.length);
  for (let i = 0; i < whole; i++) payload[i] = MIXED_UTF8[i % MIXED_UTF8.length]!;
  payload.fill('x', whole);
  return payload;
}

/** Pseudo-random bytes from a seed (xorshift32): big payloads without generating each byte with fast-check. */
export function seededBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let state = seed | 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/**
 * Sizes from 1 to `largest`, pseudo-random from a seed, adding up to about `total`: half of them
 * under 100 bytes, a quarter up to 4 KiB, a quarter up to `largest`.
 */
export function seededSizes(total: number, largest: number, seed: number): number[] {
  const sizes: number[] = [];
  let state = seed | 1;
  const next = (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
  for (let sum = 0; sum < total; ) {
    const kind = next(4);
    const size = 1 + next(kind < 2 ? 100 : kind === 2 ? 4096 : largest);
    sizes.push(size);
    sum += size;
  }
  return sizes;
}

/**
 * Full garbage collections, so that WeakRefs to what nothing holds are cleared and
 * `process.memoryUsage().arrayBuffers` counts only what is alive. A WeakRef keeps its target until
 * the current job ends: each collection waits for the next turn of the loop. The memory of dead
 * ArrayBuffers may be handed back a little after a collection, so collect until that count stops
 * falling.
 */
export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let last = Number.POSITIVE_INFINITY; ; ) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const now = process.memoryUsage().arrayBuffers;
    if (now >= last) return;
    last = now;
  }
}

/* ----- A model of message streams, for the property and differential tests ----- */

/** A message, cut into fragments at the gaps (positions taken modulo its length + 1), with an optional ping after each fragment but the last. */
export interface StreamMessage {
  kind: 'message';
  type: 'text' | 'binary';
  data: Buffer;
  gaps: { at: number; ping: Buffer | null }[];
}

/** A ping between messages. */
export interface StreamPing {
  kind: 'ping';
  data: Buffer;
}

export type StreamItem = StreamMessage | StreamPing;

// Mostly short payloads, now and then one over 65535 bytes for the 64-bit length form.
const textArb = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
        fc.integer({ min: 65530, max: 66000 }),
      )
      .map(([piece, size]) => piece.repeat(Math.ceil(size / Buffer.byteLength(piece)))),
  },
);

const binaryArb = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }).map((data) => Buffer.from(data)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 65530, max: 66000 }), fc.integer())
      .map(([size, seed]) => seededBytes(size, seed)),
  },
);

const pingArb = fc.uint8Array({ maxLength: 125 }).map((data) => Buffer.from(data));

const gapsArb = fc.array(fc.record({ at: fc.nat(), ping: fc.option(pingArb, { nil: null }) }), {
  maxLength: 4,
});

export const streamItemArb: fc.Arbitrary<StreamItem> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      type: fc.constant('text' as const),
      data: textArb.map((text) => Buffer.from(text)),
      gaps: gapsArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      type: fc.constant('binary' as const),
      data: binaryArb,
      gaps: gapsArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const), data: pingArb }) },
);

export const streamArb = fc.array(streamItemArb, { maxLength: 6 });

/** The frames that send `items`, in order (fragments, and pings between them), without mask keys. */
export function framesOf(items: readonly StreamItem[]): OutgoingFrame[] {
  const frames: OutgoingFrame[] = [];
  for (const item of items) {
    if (item.kind === 'ping') {
      frames.push({ opcode: Opcode.Ping, payload: item.data });
      continue;
    }
    let start = 0;
    let first = true;
    for (const gap of sortedGaps(item)) {
      const opcode = first ? messageOpcode(item.type) : Opcode.Continuation;
      frames.push({ opcode, payload: item.data.subarray(start, gap.at), fin: false });
      if (gap.ping) frames.push({ opcode: Opcode.Ping, payload: gap.ping });
      start = gap.at;
      first = false;
    }
    const opcode = first ? messageOpcode(item.type) : Opcode.Continuation;
    frames.push({ opcode, payload: item.data.subarray(start), fin: true });
  }
  return frames;
}

/** What a parser must report for `items`: the pings in the order sent, each message when it ends. */
export function expectedEvents(items: readonly StreamItem[]): EventSummary[] {
  const events: EventSummary[] = [];
  for (const item of items) {
    if (item.kind === 'ping') {
      events.push({ type: 'ping', data: item.data.toString('hex') });
      continue;
    }
    for (const gap of sortedGaps(item)) {
      if (gap.ping) events.push({ type: 'ping', data: gap.ping.toString('hex') });
    }
    events.push(
      item.type === 'text'
        ? { type: 'text', data: item.data.toString('utf8') }
        : { type: 'binary', data: item.data.toString('hex') },
    );
  }
  return events;
}

/** The gaps of a message at positions within its data, in order. */
function sortedGaps(item: StreamMessage): { at: number; ping: Buffer | null }[] {
  return item.gaps
    .map((gap) => ({ at: gap.at % (item.data.length + 1), ping: gap.ping }))
    .sort((a, b) => a.at - b.at);
}

function messageOpcode(type: 'text' | 'binary'): number {
  return type === 'text' ? Opcode.Text : Opcode.Binary;
}

/** A different 4-byte masking key for each frame index, derived from `seed`. */
export function maskKeyFor(seed: number, index: number): Buffer {
  return seededBytes(4, (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}

/** Encodes `frames` into one stream, each frame masked with `maskKeyFor(seed, i)` when `masked`. */
export function encodeStream(frames: readonly OutgoingFrame[], masked: boolean, seed = 0): Buffer {
  return Buffer.concat(
    frames.map((frame, i) =>
      encodeFrame({ ...frame, maskKey: masked ? maskKeyFor(seed, i) : undefined }),
    ),
  );
}
