/**
 * Differential tests against `ws`, the WebSocket library most Node programs use: what our encoder
 * writes, ws's Receiver reads back; what ws's Sender writes, our parser reads back. Two
 * implementations written apart agreeing on the same bytes is good evidence both follow RFC 6455.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type OutgoingFrame } from '../src/frame.ts';
import { Opcode } from '../src/opcode.ts';
import { rawClosePayload as closePayload } from '../testing/raw-frame.ts';
import { Receiver, Sender, type WsFrameOptions } from '../testing/ws-internals.ts';
import {
  bytes,
  chunksOf,
  cutAt,
  type EventSummary,
  encodeStream,
  expectedEvents,
  framesOf,
  RFC_MASK_KEY,
  read,
  samplePayload,
  streamArb,
} from './helpers.ts';

type WsEventSummary = EventSummary | { type: 'ws error'; message: string };

/**
 * Writes `chunks` into a ws Receiver and returns what it emitted, summarized like our parser's
 * events. With its default options the Receiver emits messages, pings, pongs and closes during
 * write(), so they are all here when this returns.
 */
function readWithWs(chunks: readonly Buffer[], isServer: boolean): WsEventSummary[] {
  const receiver = new Receiver({ isServer });
  const events: WsEventSummary[] = [];
  receiver.on('message', (data, isBinary) => {
    events.push(
      isBinary
        ? { type: 'binary', data: data.toString('hex') }
        : { type: 'text', data: data.toString('utf8') },
    );
  });
  receiver.on('ping', (data) => events.push({ type: 'ping', data: data.toString('hex') }));
  receiver.on('pong', (data) => events.push({ type: 'pong', data: data.toString('hex') }));
  receiver.on('conclude', (code, reason) => {
    events.push({ type: 'close', code, reason: reason.toString('utf8') });
  });
  receiver.on('error', (error) => events.push({ type: 'ws error', message: error.message }));
  for (const chunk of chunks) receiver.write(Buffer.from(chunk));
  return events;
}

/** One frame as ws's Sender writes it. */
function wsFrame(
  frame: OutgoingFrame & { mask: boolean; generateMask?: (mask: Buffer) => void },
): Buffer {
  const { opcode, payload, fin = true, mask, generateMask } = frame;
  const options: WsFrameOptions = { opcode, fin, mask, readOnly: true };
  if (generateMask) options.generateMask = generateMask;
  return Buffer.concat(Sender.frame(Buffer.from(payload), options));
}

function messageSummary(type: 'text' | 'binary', payload: Buffer): EventSummary {
  return type === 'text'
    ? { type: 'text', data: payload.toString('utf8') }
    : { type: 'binary', data: payload.toString('hex') };
}

// Every length form: 7-bit (0-125), 16-bit (126-65535), 64-bit (65536 and up).
const SIZES = [0, 5, 125, 126, 65535, 65536, 70000];
const KEY = bytes('5a 17 c3 00');

describe('ws reads what encodeFrame writes', () => {
  for (const masked of [true, false]) {
    for (const type of ['text', 'binary'] as const) {
      for (const size of SIZES) {
        const what = `${masked ? 'masked' : 'unmasked'} ${size}-byte ${type} frame`;
        it(`ws reads our ${what} (§5.2)`, () => {
          const payload = samplePayload(type, size);
          const opcode = type === 'text' ? Opcode.Text : Opcode.Binary;
          const frame = encodeFrame({ opcode, payload, maskKey: masked ? KEY : undefined });
          // A masked frame goes from a client to a server: ws reads it as a server.
          expect(readWithWs([frame], masked)).toEqual([messageSummary(type, payload)]);
        });
      }
    }
  }

  for (const masked of [true, false]) {
    it(`ws reads our ${masked ? 'masked' : 'unmasked'} fragments, with a ping between them, as one message (§5.4)`, () => {
      const maskKey = masked ? KEY : undefined;
      const frames = [
        encodeFrame({ opcode: Opcode.Text, payload: bytes('48 65 e2'), fin: false, maskKey }), // "He" and half of "€"
        encodeFrame({ opcode: Opcode.Ping, payload: Buffer.from('?'), maskKey }),
        encodeFrame({ opcode: Opcode.Continuation, payload: bytes('82 ac'), fin: false, maskKey }),
        encodeFrame({ opcode: Opcode.Continuation, payload: samplePayload('text', 300), maskKey }),
      ];
      expect(readWithWs(frames, masked)).toEqual([
        { type: 'ping', data: Buffer.from('?').toString('hex') },
        { type: 'text', data: `He€${samplePayload('text', 300).toString()}` },
      ]);
    });
  }

  it('ws reads our pong (§5.5.3)', () => {
    const frame = encodeFrame({ opcode: Opcode.Pong, payload: Buffer.from('beat') });
    expect(readWithWs([frame], false)).toEqual([
      { type: 'pong', data: Buffer.from('beat').toString('hex') },
    ]);
  });

  it('ws reads our close frame with its code and reason (§5.5.1)', () => {
    const frame = encodeFrame({
      opcode: Opcode.Close,
      payload: closePayload(4001, 'done ✓'),
      maskKey: KEY,
    });
    expect(readWithWs([frame], true)).toEqual([{ type: 'close', code: 4001, reason: 'done ✓' }]);
  });

  it('writes the same bytes as ws for the same frame and key (§5.2, §5.3)', () => {
    for (const size of SIZES) {
      const payload = samplePayload('binary', size);
      for (const maskKey of [undefined, RFC_MASK_KEY]) {
        const ours = encodeFrame({ opcode: Opcode.Binary, payload, maskKey });
        const theirs = wsFrame({
          opcode: Opcode.Binary,
          payload,
          mask: maskKey !== undefined,
          generateMask: (mask) => RFC_MASK_KEY.copy(mask),
        });
        expect(ours.equals(theirs), `${size} bytes, ${maskKey ? 'masked' : 'unmasked'}`).toBe(true);
      }
    }
  });

  for (const masked of [true, false]) {
    it(`ws reads back any stream of our ${masked ? 'masked' : 'unmasked'} messages, fragments and pings, in any chunks (§5.2, §5.4)`, () => {
      fc.assert(
        fc.property(
          streamArb,
          fc.integer(),
          fc.array(fc.nat(), { maxLength: 10 }),
          (items, seed, cuts) => {
            const stream = encodeStream(framesOf(items), masked, seed);
            const chunks = cutAt(
              stream,
              cuts.map((cut) => cut % (stream.length + 1)),
            );
            expect(readWithWs(chunks, masked)).toEqual(expectedEvents(items));
          },
        ),
        { numRuns: 100 },
      );
    });
  }
});

describe("our parser reads what ws's Sender writes", () => {
  for (const masked of [true, false]) {
    const role = masked ? 'server' : 'client';
    for (const type of ['text', 'binary'] as const) {
      for (const size of SIZES) {
        const what = `${masked ? 'masked' : 'unmasked'} ${size}-byte ${type} frame`;
        it(`reads ws's ${what} (§5.2)`, () => {
          const payload = samplePayload(type, size);
          const opcode = type === 'text' ? Opcode.Text : Opcode.Binary;
          const frame = wsFrame({ opcode, payload, mask: masked });
          expect(read(frame, { role })).toEqual([messageSummary(type, payload)]);
        });
      }
    }

    it(`reads ws's ${masked ? 'masked' : 'unmasked'} fragments (fin false, then continuation opcode) as one message (§5.4)`, () => {
      const frames = [
        wsFrame({ opcode: Opcode.Text, payload: bytes('48 65 e2'), fin: false, mask: masked }),
        wsFrame({ opcode: Opcode.Ping, payload: Buffer.from('?'), mask: masked }),
        wsFrame({ opcode: Opcode.Continuation, payload: bytes('82 ac'), fin: false, mask: masked }),
        wsFrame({ opcode: Opcode.Continuation, payload: Buffer.from('!'), mask: masked }),
      ];
      expect(read(frames, { role })).toEqual([
        { type: 'ping', data: Buffer.from('?').toString('hex') },
        { type: 'text', data: 'He€!' },
      ]);
    });

    it(`reads ws's ${masked ? 'masked' : 'unmasked'} close frame with its code and reason, byte by byte (§5.5.1)`, () => {
      const frame = wsFrame({
        opcode: Opcode.Close,
        payload: closePayload(1001, 'bye ✓'),
        mask: masked,
      });
      expect(read(chunksOf(frame, 1), { role })).toEqual([
        { type: 'close', code: 1001, reason: 'bye ✓' },
      ]);
    });

    it(`reads back any stream ws writes ${masked ? 'masked' : 'unmasked'}, in any chunks (§5.2, §5.4)`, () => {
      fc.assert(
        fc.property(streamArb, fc.array(fc.nat(), { maxLength: 10 }), (items, cuts) => {
          const stream = Buffer.concat(
            framesOf(items).map((frame) => wsFrame({ ...frame, mask: masked })),
          );
          const chunks = cutAt(
            stream,
            cuts.map((cut) => cut % (stream.length + 1)),
          );
          expect(read(chunks, { role })).toEqual(expectedEvents(items));
        }),
        { numRuns: 100 },
      );
    });
  }
});
