/**
 * Properties checked on many generated inputs (fast-check): the parser reads back whatever the
 * encoder writes, however the bytes are cut; and no input, however broken, makes it throw, hold
 * too much memory, or say anything after it has failed.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_PAYLOAD } from '../src/frame.ts';
import { FrameParser, type ParserEvent, type Role } from '../src/parser.ts';
import {
  chunksOf,
  cutAt,
  encodeStream,
  expectedEvents,
  framesOf,
  rawFrame,
  seededBytes,
  streamArb,
  summarize,
} from './helpers.ts';

const ROLES: readonly Role[] = ['server', 'client'];

/** How to cut a stream into chunks: at random positions, or into pieces of a small fixed size. */
type Chunking = { positions: number[] } | { size: number };

const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  fc.record({ positions: fc.array(fc.nat(), { maxLength: 30 }) }),
  fc.record({ size: fc.integer({ min: 1, max: 16 }) }),
);

function cut(stream: Buffer, chunking: Chunking): Buffer[] {
  if ('size' in chunking) return chunksOf(stream, chunking.size);
  return cutAt(
    stream,
    chunking.positions.map((position) => position % (stream.length + 1)),
  );
}

describe('property: a stream of messages parses back to the same messages (§5.2, §5.4)', () => {
  for (const role of ROLES) {
    const masked = role === 'server';
    it(`reads back text, binary, fragments and pings, ${masked ? 'masked with random keys' : 'unmasked'}, cut anywhere (${role} role)`, () => {
      fc.assert(
        fc.property(streamArb, fc.integer(), chunkingArb, (items, seed, chunking) => {
          const stream = encodeStream(framesOf(items), masked, seed);
          const parser = new FrameParser({ role });
          const events = cut(stream, chunking).flatMap((chunk) => parser.push(chunk));
          expect(events.map(summarize)).toEqual(expectedEvents(items));
          expect(parser.done).toBe(false);
          // Every message ended, so nothing is held any more.
          expect(parser.bufferedBytes).toBe(0);
        }),
        { numRuns: 200 },
      );
    });
  }
});

/* ----- Property 2: broken input ----- */

// Small, so that generated messages often go over it.
const MAX_PAYLOAD = 1000;

/** Frames with random header fields, mostly plausible ones, so that the input gets past the first check. */
function randomFrameArb(role: Role): fc.Arbitrary<Buffer> {
  return fc
    .record({
      fin: fc.boolean(),
      rsv: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.integer({ min: 0, max: 7 })),
      opcode: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa) },
        fc.integer({ min: 0, max: 15 }),
      ),
      maskedRight: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 130 }).map((data) => Buffer.from(data)),
        fc.string({ unit: 'binary', maxLength: 100 }).map((text) => Buffer.from(text)),
        fc
          .tuple(fc.integer({ min: 900, max: 1100 }), fc.integer())
          .map(([size, seed]) => seededBytes(size, seed)),
      ),
    })
    .map(({ fin, rsv, opcode, maskedRight, key, payload }) => {
      const masked = (role === 'server') === maskedRight;
      return rawFrame({
        fin,
        rsv,
        opcode,
        payload,
        maskKey: masked ? Buffer.from(key) : undefined,
      });
    });
}

/** A valid stream with a few bytes overwritten, and perhaps cut short. */
function mutatedStreamArb(role: Role): fc.Arbitrary<Buffer> {
  const mutation = fc.record({ at: fc.nat(), value: fc.nat({ max: 255 }) });
  return fc
    .tuple(
      streamArb,
      fc.integer(),
      fc.array(mutation, { minLength: 1, maxLength: 5 }),
      fc.option(fc.nat()),
    )
    .map(([items, seed, mutations, end]) => {
      const stream = encodeStream(framesOf(items), role === 'server', seed);
      if (stream.length === 0) return stream;
      for (const { at, value } of mutations) stream[at % stream.length] = value;
      return end === null ? stream : stream.subarray(0, end % (stream.length + 1));
    });
}

function brokenInputArb(role: Role): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((data) => Buffer.from(data)),
    fc.array(randomFrameArb(role), { maxLength: 8 }).map((frames) => Buffer.concat(frames)),
    mutatedStreamArb(role),
  );
}

/**
 * Pushes the chunks and checks every rule a parser must keep whatever it is given. Throwing is a
 * failure too: fast-check reports it like a failed expectation.
 */
function checkParserRules(role: Role, chunks: readonly Buffer[]): void {
  const parser = new FrameParser({ role, maxPayload: MAX_PAYLOAD });
  const events: ParserEvent[] = [];
  const afterDone: ParserEvent[] = [];
  let mostBuffered = 0;
  for (const chunk of chunks) {
    const wasDone = parser.done;
    const pushed = parser.push(chunk);
    (wasDone ? afterDone : events).push(...pushed);
    mostBuffered = Math.max(mostBuffered, parser.bufferedBytes);
  }
  // After a close frame or an error, nothing more is read (§5.5.1, §7.1.7).
  expect(afterDone).toEqual([]);
  // A message is limited to maxPayload; a control frame split across chunks adds its own
  // payload, at most 125 bytes (§5.5). See the bufferedBytes tests in parser.test.ts.
  expect(mostBuffered).toBeLessThanOrEqual(MAX_PAYLOAD + MAX_CONTROL_PAYLOAD);

  // The events are messages, pings and pongs, then at most one 'close' or 'error', last.
  const terminal = events.findIndex((event) => event.type === 'close' || event.type === 'error');
  if (terminal !== -1) expect(terminal).toBe(events.length - 1);
  expect(parser.done).toBe(terminal !== -1);

  for (const event of events) {
    if (event.type === 'error') expect([1002, 1007, 1009]).toContain(event.error.closeCode);
    if (event.type === 'text') expect(isUtf8(event.data)).toBe(true);
    if (event.type === 'text' || event.type === 'binary') {
      expect(event.data.length).toBeLessThanOrEqual(MAX_PAYLOAD);
    }
    if (event.type === 'ping' || event.type === 'pong') {
      expect(event.data.length).toBeLessThanOrEqual(MAX_CONTROL_PAYLOAD);
    }
  }
}

describe('property: broken input never breaks the parser (§5.2, §7.1.7, §10.4)', () => {
  for (const role of ROLES) {
    it(`never throws, stays within maxPayload and ends with at most one close or error (${role} role)`, () => {
      fc.assert(
        fc.property(brokenInputArb(role), chunkingArb, (input, chunking) => {
          checkParserRules(role, cut(input, chunking));
        }),
        { numRuns: 500 },
      );
    });
  }

  for (const role of ROLES) {
    it(`reads control frames with random payloads without breaking a rule (§5.5, ${role} role)`, () => {
      // Close frames with random payloads go through every close-code and reason check.
      const controlFrame = fc
        .tuple(
          fc.constantFrom(0x8, 0x9, 0xa),
          fc.uint8Array({ maxLength: 125 }),
          fc.uint8Array({ minLength: 4, maxLength: 4 }),
        )
        .map(([opcode, payload, key]) =>
          rawFrame({
            opcode,
            payload: Buffer.from(payload),
            maskKey: role === 'server' ? Buffer.from(key) : undefined,
          }),
        );
      fc.assert(
        fc.property(fc.array(controlFrame, { maxLength: 5 }), chunkingArb, (frames, chunking) => {
          checkParserRules(role, cut(Buffer.concat(frames), chunking));
        }),
        { numRuns: 300 },
      );
    });
  }
});
