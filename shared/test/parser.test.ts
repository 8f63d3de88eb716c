import { describe, expect, it, vi } from 'vitest';
import { encodeFrame, type Frame, type OutgoingFrame } from '../src/frame.ts';
import { Opcode } from '../src/opcode.ts';
import { FrameParser, MAX_FRAGMENTS, type ParserEvent } from '../src/parser.ts';
import { rawClosePayload as closePayload } from '../testing/raw-frame.ts';
import {
  bytes,
  chunksOf,
  collectGarbage,
  cutAt,
  parse,
  rawFrame,
  read,
  samplePayload,
  seededSizes,
  summarize,
} from './helpers.ts';

// A server reads what clients send: masked frames. A client reads what servers send: unmasked.
const server = { role: 'server' } as const;
const client = { role: 'client' } as const;

const KEY = bytes('0a 0b 0c 0d');

/** A frame as a client sends it to a server: masked (§5.3). */
function fromClient(frame: OutgoingFrame): Buffer {
  return encodeFrame({ ...frame, maskKey: KEY });
}

/** A frame as a server sends it to a client: unmasked (§5.1). */
function fromServer(frame: OutgoingFrame): Buffer {
  return encodeFrame(frame);
}

describe('FrameParser: the examples of RFC 6455 §5.7', () => {
  it('reads 81 05 48 65 6c 6c 6f as the text "Hello" (§5.7)', () => {
    expect(read(bytes('81 05 48 65 6c 6c 6f'), client)).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('reads the masked 81 85 37 fa 21 3d 7f 9f 4d 51 58 as the text "Hello" (§5.7)', () => {
    const frame = bytes('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(read(frame, server)).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('joins the fragments 01 03 48 65 6c and 80 02 6c 6f into the text "Hello" (§5.7)', () => {
    const fragments = [bytes('01 03 48 65 6c'), bytes('80 02 6c 6f')];
    expect(read(fragments, client)).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('reads 89 05 48 65 6c 6c 6f as a ping carrying "Hello" (§5.7)', () => {
    const events = read(bytes('89 05 48 65 6c 6c 6f'), client);
    expect(events).toEqual([{ type: 'ping', data: Buffer.from('Hello').toString('hex') }]);
  });

  it('reads the masked 8a 85 37 fa 21 3d 7f 9f 4d 51 58 as a pong carrying "Hello" (§5.7)', () => {
    const events = read(bytes('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), server);
    expect(events).toEqual([{ type: 'pong', data: Buffer.from('Hello').toString('hex') }]);
  });

  it('reads 82 7e 01 00 and 256 bytes as a 256-byte binary message (§5.7)', () => {
    const payload = samplePayload('binary', 256);
    const events = read(Buffer.concat([bytes('82 7e 01 00'), payload]), client);
    expect(events).toEqual([{ type: 'binary', data: payload.toString('hex') }]);
  });

  it('reads 82 7f 00 00 00 00 00 01 00 00 and 65536 bytes as a 64 KiB binary message (§5.7)', () => {
    const payload = samplePayload('binary', 65536);
    const header = bytes('82 7f 00 00 00 00 00 01 00 00');
    const events = read(Buffer.concat([header, payload]), client);
    expect(events).toEqual([{ type: 'binary', data: payload.toString('hex') }]);
  });
});

describe('FrameParser: 1002, protocol error', () => {
  it.each([
    ['RSV1', 0b100],
    ['RSV2', 0b010],
    ['RSV3', 0b001],
  ])('fails with 1002 when %s is set without an extension (§5.2)', (_, rsv) => {
    const frame = rawFrame({ opcode: Opcode.Text, rsv, payload: Buffer.from('hi') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it.each(
    [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) => [
      opcode.toString(16),
      opcode,
    ]),
  )('fails with 1002 on the reserved opcode 0x%s (§5.2)', (_, opcode) => {
    const frame = rawFrame({ opcode: Number(opcode), payload: Buffer.from('hi') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a ping longer than 125 bytes, with the 16-bit length marker 126 (§5.5)', () => {
    // 89 7e 00 7e: FIN, ping, length marker 126, then 126 as a 16-bit number.
    const frame = rawFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(126) });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a close frame longer than 125 bytes, with the 64-bit length marker 127 (§5.5)', () => {
    // 88 7f: FIN, close, length marker 127. These first two bytes are enough to fail.
    expect(read(bytes('88 7f'), client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a fragmented ping, FIN=0 (§5.5: control frames MUST NOT be fragmented)', () => {
    const frame = rawFrame({ opcode: Opcode.Ping, fin: false, payload: Buffer.from('hi') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a continuation frame when no message was started (§5.4)', () => {
    const frame = fromServer({ opcode: Opcode.Continuation, payload: Buffer.from('lo') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a text frame inside a fragmented message (§5.4)', () => {
    const frames = [
      fromServer({ opcode: Opcode.Text, payload: Buffer.from('Hel'), fin: false }),
      fromServer({ opcode: Opcode.Text, payload: Buffer.from('lo') }),
    ];
    expect(read(frames, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a binary frame inside a fragmented message (§5.4)', () => {
    const frames = [
      fromServer({ opcode: Opcode.Binary, payload: Buffer.from('ab'), fin: false }),
      fromServer({ opcode: Opcode.Binary, payload: Buffer.from('cd') }),
    ];
    expect(read(frames, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 when the server reads an unmasked frame (§5.1: clients MUST mask)', () => {
    const frame = fromServer({ opcode: Opcode.Text, payload: Buffer.from('Hello') });
    expect(read(frame, server)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 when the client reads a masked frame (§5.1: servers MUST NOT mask)', () => {
    const frame = fromClient({ opcode: Opcode.Text, payload: Buffer.from('Hello') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it('fails with 1002 on a close frame with a 1-byte payload (§5.5.1)', () => {
    const frame = fromServer({ opcode: Opcode.Close, payload: bytes('03') });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });

  it.each([1004, 1005, 1006, 1015, 999, 1016, 2999, 5000])(
    'fails with 1002 on a close frame with code %i, which may not be sent (§7.4.1)',
    (code) => {
      const frame = fromServer({ opcode: Opcode.Close, payload: closePayload(code) });
      expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
    },
  );

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])(
    'accepts a close frame with code %i (§7.4.1, §7.4.2)',
    (code) => {
      const frame = fromServer({ opcode: Opcode.Close, payload: closePayload(code, 'bye') });
      expect(read(frame, client)).toEqual([{ type: 'close', code, reason: 'bye' }]);
    },
  );

  it('fails with 1002 on a 64-bit length with its most significant bit set (§5.2)', () => {
    // 82 7f, then 8 bytes of length: 80 00 00 00 00 00 00 00 is 2^63.
    const header = bytes('82 7f 80 00 00 00 00 00 00 00');
    expect(read(header, client)).toEqual([{ type: 'error', closeCode: 1002 }]);
  });
});

describe('FrameParser: 1007, invalid UTF-8 in a text message (§8.1)', () => {
  it.each([
    ['an overlong "/" (C0 AF)', 'c0 af'],
    ['an overlong 3-byte form (E0 80 AF)', 'e0 80 af'],
    ['an overlong 4-byte form (F0 80 80 AF)', 'f0 80 80 af'],
    ['a UTF-16 surrogate (ED A0 80)', 'ed a0 80'],
    ['a code point above U+10FFFF (F4 90 80 80)', 'f4 90 80 80'],
    ['a lone continuation byte (80)', '80'],
    ['the byte C0', 'c0'],
    ['the byte C1', 'c1 bf'],
    ['the byte F5', 'f5 80 80 80'],
    ['a sequence cut short by the end of the message (E2 82)', 'e2 82'],
  ])('fails with 1007 on a text message containing %s (§8.1)', (_, hex) => {
    const payload = Buffer.concat([Buffer.from('ok '), bytes(hex)]);
    const frame = fromServer({ opcode: Opcode.Text, payload });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1007 }]);
  });

  it('accepts a code point split across two fragments (§5.6)', () => {
    // "€" is E2 82 AC: the first fragment ends after E2 82, the continuation starts with AC.
    const frames = [
      fromServer({ opcode: Opcode.Text, payload: bytes('61 e2 82'), fin: false }),
      fromServer({ opcode: Opcode.Continuation, payload: bytes('ac 62') }),
    ];
    expect(read(frames, client)).toEqual([{ type: 'text', data: 'a€b' }]);
  });

  it('reports invalid UTF-8 in a first fragment (FIN=0) as soon as it arrives (§8.1)', () => {
    const parser = new FrameParser(client);
    const first = fromServer({ opcode: Opcode.Text, payload: bytes('61 ff'), fin: false });
    // The message has not ended, but no ending can make it valid: fail now.
    expect(parser.push(first).map(summarize)).toEqual([{ type: 'error', closeCode: 1007 }]);
  });

  it('reports a bad byte in the first chunk of a large frame before the rest arrives (§8.1)', () => {
    const payload = Buffer.alloc(100_000, 'a');
    payload[10] = 0xff;
    const frame = fromServer({ opcode: Opcode.Text, payload });
    const parser = new FrameParser(client);
    // The first 100 bytes of 100 004: the bad byte is among them, the rest is still to come.
    const events = parser.push(frame.subarray(0, 100));
    expect(events.map(summarize)).toEqual([{ type: 'error', closeCode: 1007 }]);
  });

  it('fails with 1007 when a fragmented message ends inside a code point (§8.1)', () => {
    const frames = [
      fromServer({ opcode: Opcode.Text, payload: bytes('61 e2'), fin: false }),
      fromServer({ opcode: Opcode.Continuation, payload: bytes('82') }),
    ];
    expect(read(frames, client)).toEqual([{ type: 'error', closeCode: 1007 }]);
  });

  it('fails with 1007 on a close reason that is not UTF-8 (§5.5.1)', () => {
    const payload = Buffer.concat([closePayload(1000), bytes('ff')]);
    const frame = fromServer({ opcode: Opcode.Close, payload });
    expect(read(frame, client)).toEqual([{ type: 'error', closeCode: 1007 }]);
  });

  it('does not check a binary message for UTF-8 (§5.6: binary data is "interpreted by the application")', () => {
    const frame = fromServer({ opcode: Opcode.Binary, payload: bytes('ff') });
    expect(read(frame, client)).toEqual([{ type: 'binary', data: 'ff' }]);
  });
});

describe('FrameParser: 1009, message too big (§10.4)', () => {
  it('fails with 1009 on a frame over maxPayload (§10.4)', () => {
    const frame = fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(101) });
    expect(read(frame, { role: 'client', maxPayload: 100 })).toEqual([
      { type: 'error', closeCode: 1009 },
    ]);
  });

  it('accepts a frame of exactly maxPayload bytes (§10.4)', () => {
    const frame = fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(100) });
    const events = read(frame, { role: 'client', maxPayload: 100 });
    expect(events.map((event) => event.type)).toEqual(['binary']);
  });

  it('fails with 1009 at the header of the fragment that takes a message over maxPayload (§10.4)', () => {
    const parser = new FrameParser({ role: 'client', maxPayload: 100 });
    const first = fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(60), fin: false });
    const second = fromServer({ opcode: Opcode.Continuation, payload: Buffer.alloc(60) });
    expect(parser.push(first)).toEqual([]);
    // Only the second fragment's 2 header bytes: 60 + 60 is over 100 already.
    const events = parser.push(second.subarray(0, 2));
    expect(events.map(summarize)).toEqual([{ type: 'error', closeCode: 1009 }]);
  });

  it('fails with 1009 at once on a header claiming 2^62 bytes, and allocates nothing (§10.4)', () => {
    const parser = new FrameParser(server);
    // 82 ff: binary, masked, 64-bit length; 40 00 00 00 00 00 00 00 is 2^62.
    const events = parser.push(bytes('82 ff 40 00 00 00 00 00 00 00'));
    expect(events.map(summarize)).toEqual([{ type: 'error', closeCode: 1009 }]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it(`accepts a message in ${MAX_FRAGMENTS} fragments, and fails with 1009 at one more`, () => {
    const first = fromServer({ opcode: Opcode.Text, payload: Buffer.from('a'), fin: false });
    const empty = fromServer({ opcode: Opcode.Continuation, payload: Buffer.alloc(0), fin: false });
    const last = fromServer({ opcode: Opcode.Continuation, payload: Buffer.from('z') });
    const middle = Buffer.concat(Array.from({ length: MAX_FRAGMENTS - 2 }, () => empty));

    const whole = new FrameParser(client).push(Buffer.concat([first, middle, last]));
    expect(whole.map(summarize)).toEqual([{ type: 'text', data: 'az' }]);

    const parser = new FrameParser(client);
    expect(parser.push(Buffer.concat([first, middle, empty]))).toEqual([]);
    const [error] = parser.push(last);
    expect(error?.type === 'error' && [error.error.closeCode, error.error.message]).toEqual([
      1009,
      `message in more than ${MAX_FRAGMENTS} fragments`,
    ]);
  });

  it('does not count control frames toward maxPayload: §5.5 caps them at 125 bytes (§10.4)', () => {
    const frame = fromServer({ opcode: Opcode.Ping, payload: Buffer.alloc(100) });
    const events = read(frame, { role: 'client', maxPayload: 10 });
    expect(events.map((event) => event.type)).toEqual(['ping']);
  });
});

describe('FrameParser: bufferedBytes (§10.4)', () => {
  it('grows with the bytes that arrived, not with the length a header claims (§10.4)', () => {
    const parser = new FrameParser(client);
    // A header announcing 10 MiB, then 10 bytes of it.
    parser.push(
      Buffer.concat([
        rawFrame({ opcode: Opcode.Binary, length: 10 * 1024 * 1024 }),
        Buffer.alloc(10),
      ]),
    );
    expect(parser.bufferedBytes).toBeGreaterThan(0);
    expect(parser.bufferedBytes).toBeLessThanOrEqual(16 * 1024);
  });

  it('holds a message no bigger than maxPayload, plus at most 125 bytes of a control frame split across chunks (§5.5)', () => {
    const parser = new FrameParser({ role: 'client', maxPayload: 1000 });
    const fragment = fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(990), fin: false });
    const ping = fromServer({ opcode: Opcode.Ping, payload: Buffer.alloc(125) });
    parser.push(fragment.subarray(0, 500));
    parser.push(fragment.subarray(500));
    parser.push(ping.subarray(0, 10));
    // 990 bytes of message so far, and a 125-byte buffer for the ping's payload.
    expect(parser.bufferedBytes).toBe(990 + 125);
  });

  it('holds what it counts: small fragments in big chunks full of pongs are copied out (§10.4)', async () => {
    // Each 64 KiB chunk: a 4 KiB fragment of one unfinished message, then unsolicited pongs.
    // Kept as views, the fragments would keep every chunk alive: 16 times what they count.
    const limit = 4 * 1024 * 1024;
    const chunkSize = 64 * 1024;
    const chunkWith = (opcode: number) => {
      const fragment = fromClient({ opcode, payload: Buffer.alloc(4096, 1), fin: false });
      const pong = fromClient({ opcode: Opcode.Pong, payload: Buffer.alloc(113, 2) });
      const pongs = Math.floor((chunkSize - fragment.length) / pong.length);
      return Buffer.concat([fragment, ...Array.from({ length: pongs }, () => pong)]);
    };
    const [firstChunk, nextChunk] = [chunkWith(Opcode.Binary), chunkWith(Opcode.Continuation)];
    const parser = new FrameParser({ role: 'server', maxPayload: limit });

    const chunks: WeakRef<ArrayBuffer>[] = [];
    for (let i = 0; i < limit / 4096 - 1; i++) {
      // A fresh chunk each time, with memory of its own, as a socket delivers it.
      const chunk = Buffer.allocUnsafeSlow(chunkSize);
      (i === 0 ? firstChunk : nextChunk).copy(chunk);
      chunks.push(new WeakRef(chunk.buffer));
      parser.push(chunk.subarray(0, firstChunk.length));
    }
    await collectGarbage();
    // The chunks the parser still keeps alive, and the memory it says it holds besides.
    const keptAlive = chunks.filter((chunk) => chunk.deref() !== undefined).length * chunkSize;

    expect(parser.done).toBe(false);
    expect(keptAlive + parser.bufferedBytes).toBeLessThanOrEqual(1.1 * limit);
  });

  // A message's fragments, their payload sizes in order: about 4 MiB in all.
  const fragmentPatterns: [string, number[]][] = [
    ['alternating 1 B and 4 KiB', Array.from({ length: 2048 }, (_, i) => (i % 2 ? 4096 : 1))],
    ['alternating 1 B and 16 KiB', Array.from({ length: 512 }, (_, i) => (i % 2 ? 16384 : 1))],
    ['random sizes from 1 B to 64 KiB', seededSizes(4 * 1024 * 1024, 64 * 1024, 2)],
  ];

  it.each(fragmentPatterns)(
    'holds what it counts, within 1.1x of the message, for any fragment sizes: %s (§10.4)',
    async (_, sizes) => {
      // The fragments of one unfinished message end to end, cut into 64 KiB reads as a socket
      // delivers them. Sealing a mostly empty 16 KiB block each time a large fragment came once
      // made the alternating 1 B and 4 KiB fragments hold about 5 times the message.
      const stream = Buffer.concat(
        sizes.map((size, i) =>
          fromClient({
            opcode: i === 0 ? Opcode.Binary : Opcode.Continuation,
            payload: Buffer.alloc(size, i & 0xff),
            fin: false,
          }),
        ),
      );
      const messageBytes = sizes.reduce((sum, size) => sum + size, 0);
      const parser = new FrameParser({ role: 'server', maxPayload: 2 * messageBytes });
      const bound = 1.1 * messageBytes + 16 * 1024; // one block of small pieces on top
      await collectGarbage();
      const before = process.memoryUsage().arrayBuffers;

      const chunkSize = 64 * 1024;
      let mostCounted = 0;
      for (let at = 0; at < stream.length; at += chunkSize) {
        // A fresh chunk each time, with memory of its own, as a socket delivers it.
        const chunk = Buffer.allocUnsafeSlow(Math.min(chunkSize, stream.length - at));
        stream.copy(chunk, 0, at);
        expect(parser.push(chunk)).toEqual([]);
        mostCounted = Math.max(mostCounted, parser.bufferedBytes);
      }
      await collectGarbage();
      const held = process.memoryUsage().arrayBuffers - before;

      expect(parser.done).toBe(false);
      expect(mostCounted).toBeLessThanOrEqual(bound);
      expect(held).toBeLessThanOrEqual(bound);
    },
  );

  it("lets go of a message's buffer once the message is delivered (§10.4)", () => {
    const parser = new FrameParser(client);
    parser.push(fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(500), fin: false }));
    expect(parser.bufferedBytes).toBeGreaterThan(0);
    parser.push(fromServer({ opcode: Opcode.Continuation, payload: Buffer.alloc(500) }));
    expect(parser.bufferedBytes).toBe(0);
  });

  it("lets go of a message's buffer when the connection fails in the middle of it (§7.1.7)", () => {
    const parser = new FrameParser(client);
    parser.push(fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(500), fin: false }));
    parser.push(fromServer({ opcode: Opcode.Binary, payload: Buffer.alloc(1) })); // 1002 (§5.4)
    expect(parser.done).toBe(true);
    expect(parser.bufferedBytes).toBe(0);
  });
});

describe('FrameParser: after a close frame or an error', () => {
  it('ignores data after a close frame (§5.5.1, §1.4)', () => {
    const parser = new FrameParser(client);
    const close = fromServer({ opcode: Opcode.Close, payload: closePayload(1000) });
    const text = fromServer({ opcode: Opcode.Text, payload: Buffer.from('late') });
    const events = parser.push(Buffer.concat([close, text]));
    expect(events.map((event) => event.type)).toEqual(['close']);
    expect(parser.done).toBe(true);
    expect(parser.push(Buffer.from(text))).toEqual([]);
  });

  it('reads nothing more after a protocol error (§7.1.7: _Fail the WebSocket Connection_)', () => {
    const parser = new FrameParser(client);
    parser.push(fromServer({ opcode: Opcode.Continuation, payload: Buffer.from('?') }));
    expect(parser.done).toBe(true);
    expect(parser.push(fromServer({ opcode: Opcode.Text, payload: Buffer.from('hi') }))).toEqual(
      [],
    );
  });

  it('reads a close frame without a code as 1005 (§7.1.5)', () => {
    const frame = fromServer({ opcode: Opcode.Close, payload: Buffer.alloc(0) });
    expect(read(frame, client)).toEqual([{ type: 'close', code: 1005, reason: '' }]);
  });
});

describe('FrameParser: control frames between fragments (§5.4)', () => {
  it('delivers a ping between two fragments and still joins the message (§5.4)', () => {
    const frames = [
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('Hel'), fin: false }),
      fromClient({ opcode: Opcode.Ping, payload: Buffer.from('?') }),
      fromClient({ opcode: Opcode.Continuation, payload: Buffer.from('lo') }),
    ];
    expect(read(frames, server)).toEqual([
      { type: 'ping', data: Buffer.from('?').toString('hex') },
      { type: 'text', data: 'Hello' },
    ]);
  });

  it('delivers a ping that arrives byte by byte between fragments (§5.4)', () => {
    const ping = fromClient({ opcode: Opcode.Ping, payload: Buffer.from('are you there?') });
    const chunks = [
      fromClient({ opcode: Opcode.Binary, payload: bytes('01 02'), fin: false }),
      ...chunksOf(ping, 1),
      fromClient({ opcode: Opcode.Continuation, payload: bytes('03') }),
    ];
    expect(read(chunks, server)).toEqual([
      { type: 'ping', data: Buffer.from('are you there?').toString('hex') },
      { type: 'binary', data: '010203' },
    ]);
  });
});

describe('FrameParser: every length form, pushed in every way (§5.2)', () => {
  const SIZES = [0, 1, 125, 126, 127, 128, 65535, 65536, 65537, 1024 * 1024 + 5];
  // Byte by byte and every split point only for small frames, to keep the suite fast.
  const SMALL = 4096;

  /** Asserts the events are exactly one message of `type` with `payload`. */
  function expectMessage(events: ParserEvent[], type: 'text' | 'binary', payload: Buffer): void {
    expect(events.map((event) => event.type)).toEqual([type]);
    const [event] = events;
    expect(event !== undefined && 'data' in event && event.data.equals(payload)).toBe(true);
  }

  for (const role of ['server', 'client'] as const) {
    for (const type of ['text', 'binary'] as const) {
      for (const size of SIZES) {
        const payload = samplePayload(type, size);
        const opcode = type === 'text' ? Opcode.Text : Opcode.Binary;
        const maskKey = role === 'server' ? KEY : undefined;
        const frame = encodeFrame({ opcode, payload, maskKey });
        const what = `a ${maskKey ? 'masked' : 'unmasked'} ${size}-byte ${type} frame (${role} role)`;

        it(`reads ${what} pushed whole (§5.2)`, () => {
          expectMessage(parse(frame, { role }), type, payload);
        });

        if (size <= SMALL) {
          it(`reads ${what} pushed one byte at a time (§5.2)`, () => {
            expectMessage(parse(chunksOf(frame, 1), { role }), type, payload);
          });

          it(`reads ${what} split in two at every position (§5.2)`, () => {
            for (let cut = 0; cut <= frame.length; cut++) {
              expectMessage(parse(cutAt(frame, [cut]), { role }), type, payload);
            }
          });
        } else {
          it(`reads ${what} pushed in 1000-byte chunks (§5.2)`, () => {
            expectMessage(parse(chunksOf(frame, 1000), { role }), type, payload);
          });
        }
      }
    }
  }
});

describe('FrameParser: tracing and ownership', () => {
  it('reports every frame to onFrame, unmasked, fragments included (§5.2)', () => {
    const frames: Frame[] = [];
    const parser = new FrameParser({ role: 'server', onFrame: (frame) => frames.push(frame) });
    parser.push(fromClient({ opcode: Opcode.Text, payload: Buffer.from('Hel'), fin: false }));
    parser.push(fromClient({ opcode: Opcode.Continuation, payload: Buffer.from('lo') }));
    expect(
      frames.map((f) => [f.fin, f.opcode, f.maskKey?.toString('hex'), f.payload.toString()]),
    ).toEqual([
      [false, Opcode.Text, '0a0b0c0d', 'Hel'],
      [true, Opcode.Continuation, '0a0b0c0d', 'lo'],
    ]);
  });

  it('tells onFrame which length form each frame used, the longer ones even when not needed (§5.2)', () => {
    const forms: (number | undefined)[] = [];
    const parser = new FrameParser({
      role: 'client',
      onFrame: (f) => forms.push(f.extendedLengthBytes),
    });
    const frames = [
      Buffer.from([0x82, 5, 1, 2, 3, 4, 5]),
      Buffer.from([0x82, 126, 0, 5, 1, 2, 3, 4, 5]),
      Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]),
      Buffer.from([0x82, 2, 1, 2]),
    ];
    for (const chunk of chunksOf(Buffer.concat(frames), 1)) parser.push(chunk);
    expect(forms).toEqual([0, 2, 8, 0]);
  });

  it("reports each fragment's own payload to onFrame when the fragments arrive byte by byte (§5.4)", () => {
    const payloads: string[] = [];
    const parser = new FrameParser({
      role: 'client',
      onFrame: (f) => payloads.push(f.payload.toString()),
    });
    const frames = [
      fromServer({ opcode: Opcode.Text, payload: Buffer.from('Hel'), fin: false }),
      fromServer({ opcode: Opcode.Continuation, payload: Buffer.from('lo') }),
    ];
    for (const chunk of chunksOf(Buffer.concat(frames), 1)) parser.push(chunk);
    expect(payloads).toEqual(['Hel', 'lo']);
  });

  it('traces a fragment for what it costs: copies in proportion to the message, not its square', () => {
    // 2,000 fragments of 100 bytes, each cut across two pushes, as a socket may cut them.
    const fragments = Array.from({ length: 2000 }, (_, i) =>
      fromServer({
        opcode: i === 0 ? Opcode.Binary : Opcode.Continuation,
        payload: Buffer.alloc(100, i % 256),
        fin: i === 1999,
      }),
    );
    const parser = new FrameParser({ role: 'client', onFrame: () => {} });
    let copied = 0;
    // Buffer.concat is where bytes get joined; count them as they go through.
    const concat = vi.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
      const joined = originalConcat(list, length);
      copied += joined.length;
      return joined;
    });
    try {
      for (const fragment of fragments) {
        parser.push(Buffer.from(fragment.subarray(0, 50)));
        parser.push(Buffer.from(fragment.subarray(50)));
      }
    } finally {
      concat.mockRestore();
    }
    // Each fragment joined once for its trace line, the message once when it is complete.
    expect(copied).toBeLessThanOrEqual(3 * 2000 * 100);
  });

  it('unmasks a payload in place, in the chunk it was given (§5.3)', () => {
    const chunk = bytes('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const [event] = new FrameParser(server).push(chunk);
    // The message is a view of the chunk: no copy was made, and the chunk now holds "Hello".
    expect(event?.type === 'text' && event.data.buffer === chunk.buffer).toBe(true);
    expect(chunk.subarray(6).toString()).toBe('Hello');
  });
});

const originalConcat = Buffer.concat.bind(Buffer);
