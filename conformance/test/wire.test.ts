/**
 * The checker's own frame, HTTP and UTF-8 code, with known answers from RFC 6455 and checked
 * against Node's own decoder: the checker must be right before it judges anyone.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Connection } from '../src/wire/connection.ts';
import { buildFrame, FrameReader, Opcode, type ReadItem } from '../src/wire/frame.ts';
import { acceptFor, checkSwitch } from '../src/wire/handshake.ts';
import { hex } from '../src/wire/hex.ts';
import { RequestReader, ResponseReader } from '../src/wire/http.ts';
import { WireLog } from '../src/wire/log.ts';
import { brokenFrameRule } from '../src/wire/rules.ts';
import { firstInvalidUtf8 } from '../src/wire/utf8.ts';

const fromHex = (text: string) => Buffer.from(text.replace(/ /g, ''), 'hex');

describe('buildFrame', () => {
  it('writes the masked "Hello" of RFC 6455 §5.7', () => {
    const { bytes } = buildFrame({ opcode: 1, payload: 'Hello', mask: fromHex('37fa213d') });
    expect(hex(bytes)).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  it('writes the unmasked "Hello" and the three length forms', () => {
    expect(hex(buildFrame({ opcode: 1, payload: 'Hello', mask: false }).bytes)).toBe(
      '81 05 48 65 6c 6c 6f',
    );
    const header = (length: number, form?: 16 | 64) =>
      hex(
        buildFrame({
          opcode: 2,
          payload: Buffer.alloc(length),
          mask: false,
          lengthForm: form,
        }).bytes.subarray(0, 10),
        10,
      );
    expect(header(125).slice(0, 5)).toBe('82 7d');
    expect(header(256).slice(0, 11)).toBe('82 7e 01 00');
    expect(header(65536)).toBe('82 7f 00 00 00 00 00 01 00 00');
    expect(header(5, 16).slice(0, 11)).toBe('82 7e 00 05');
  });

  it('writes what a case asks for, broken or not: RSV bits, FIN=0, a length that lies', () => {
    const frame = buildFrame({
      opcode: 0x3,
      rsv: 0b101,
      fin: false,
      mask: false,
      announce: 2n ** 63n,
    });
    expect(hex(frame.bytes)).toBe('53 7f 80 00 00 00 00 00 00 00');
  });
});

describe('FrameReader', () => {
  const frames = Buffer.concat([
    buildFrame({ opcode: 1, payload: 'Hello', mask: false }).bytes,
    buildFrame({ opcode: 2, payload: Buffer.alloc(300, 7), mask: false }).bytes,
    buildFrame({ opcode: 9, payload: 'ping', mask: fromHex('01020304') }).bytes,
    buildFrame({ opcode: 2, payload: Buffer.alloc(70000, 9), mask: false }).bytes,
  ]);
  const summary = (items: ReadItem[]) =>
    items.map((item) =>
      item.kind === 'frame'
        ? `${item.frame.opcode}:${item.frame.payload.length}:${item.frame.lengthBytes}`
        : item.why,
    );

  it('reads frames whole, in any chunking, at every split point', () => {
    const expected = ['1:5:0', '2:300:2', '9:4:0', '2:70000:8'];
    expect(summary(new FrameReader(1 << 20).push(frames))).toEqual(expected);
    for (let cut = 1; cut < 340; cut++) {
      const reader = new FrameReader(1 << 20);
      expect(
        summary([...reader.push(frames.subarray(0, cut)), ...reader.push(frames.subarray(cut))]),
      ).toEqual(expected);
    }
    const reader = new FrameReader(1 << 20);
    const items: ReadItem[] = [];
    for (let i = 0; i < 400; i++) items.push(...reader.push(frames.subarray(i, i + 1)));
    items.push(...reader.push(frames.subarray(400)));
    expect(summary(items)).toEqual(expected);
  });

  it('unmasks a masked payload', () => {
    const [item] = new FrameReader(100).push(fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(item?.kind === 'frame' && item.frame.payload.toString()).toBe('Hello');
  });

  it('stops at a 64-bit length with its top bit set, or one over its limit', () => {
    expect(summary(new FrameReader(100).push(fromHex('82 7f 80 00 00 00 00 00 00 00')))).toEqual([
      'top-bit',
    ]);
    expect(summary(new FrameReader(100).push(fromHex('82 64')))).toEqual([]); // 100 bytes: waits
    expect(summary(new FrameReader(100).push(fromHex('82 65')))).toEqual(['too-long']);
    expect(summary(new FrameReader(100).push(fromHex('82 7e 00 65')))).toEqual(['too-long']);
  });
});

describe("the rules of a peer's frames", () => {
  it('want a server unmasked and a client masked (§5.1), RSV 0 and known opcodes for both', () => {
    const frame = (spec: Parameters<typeof buildFrame>[0]) => buildFrame(spec).info;
    expect(
      brokenFrameRule(frame({ opcode: 1, payload: 'hi', mask: false }), 'server'),
    ).toBeUndefined();
    expect(brokenFrameRule(frame({ opcode: 1, payload: 'hi' }), 'server')?.section).toBe('5.1');
    expect(brokenFrameRule(frame({ opcode: 1, payload: 'hi' }), 'client')).toBeUndefined();
    expect(
      brokenFrameRule(frame({ opcode: 1, payload: 'hi', mask: false }), 'client')?.section,
    ).toBe('5.1');
    expect(brokenFrameRule(frame({ opcode: 1, rsv: 4, mask: false }), 'server')?.section).toBe(
      '5.2',
    );
    expect(brokenFrameRule(frame({ opcode: 0xb, mask: false }), 'server')?.section).toBe('5.2');
    expect(brokenFrameRule(frame({ opcode: 9, fin: false, mask: false }), 'server')?.section).toBe(
      '5.5',
    );
    expect(
      brokenFrameRule(frame({ opcode: 1, payload: 'hi', lengthForm: 16, mask: false }), 'server')
        ?.section,
    ).toBe('5.2');
  });
});

describe('firstInvalidUtf8', () => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const valid = (bytes: Buffer) => {
    try {
      decoder.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['', -1],
    ['48 65 6c 6c 6f', -1],
    ['ce ba e1 bd b9 cf 83 ce bc ce b5', -1],
    ['f4 8f bf bf', -1],
    ['ed 9f bf', -1],
    ['f4 90 80 80', 0],
    ['ed a0 80', 0],
    ['c0 80', 0],
    ['e0 9f bf', 0],
    ['61 62 63 e2 82', 3],
    ['61 ff 62', 1],
    ['80', 0],
  ])('%s -> %i', (bytes, at) => {
    expect(firstInvalidUtf8(fromHex(bytes))).toBe(at);
  });

  it("agrees with Node's strict decoder on every 1- and 2-byte input, and on random 4-byte ones", () => {
    for (let a = 0; a < 256; a++) {
      expect(firstInvalidUtf8(Buffer.from([a])) === -1).toBe(valid(Buffer.from([a])));
      for (let b = 0; b < 256; b++) {
        const bytes = Buffer.from([a, b]);
        if ((firstInvalidUtf8(bytes) === -1) !== valid(bytes)) expect(hex(bytes)).toBe('agreed');
      }
    }
    for (let i = 0; i < 50_000; i++) {
      const bytes = Buffer.from([
        0xc0 + ((i * 7) % 64),
        (i * 13) & 0xff,
        (i * 29) & 0xff,
        (i * 53) & 0xff,
      ]);
      if ((firstInvalidUtf8(bytes) === -1) !== valid(bytes)) expect(hex(bytes)).toBe('agreed');
    }
  });
});

describe('the handshake', () => {
  it('computes the accept value of RFC 6455 §1.3', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('reads a 101 in any chunking, with the frames after it', () => {
    const response = Buffer.from(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi',
      'latin1',
    );
    for (let cut = 1; cut < response.length; cut++) {
      const reader = new ResponseReader();
      const read = reader.push(response.subarray(0, cut)) ?? reader.push(response.subarray(cut));
      if (read === undefined || read === 'too-large') throw new Error(`no head at cut ${cut}`);
      expect(read.head.status).toBe(101);
      expect(checkSwitch(read.head, 'dGhlIHNhbXBsZSBub25jZQ==')).toEqual([]);
    }
  });

  it('finds what is wrong with a 101: the accept value, an extension not offered, a missing header', () => {
    const reader = new ResponseReader();
    const read = reader.push(
      Buffer.from(
        'HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: nope\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
      ),
    );
    if (read === undefined || read === 'too-large') throw new Error('no head');
    expect(
      checkSwitch(read.head, 'dGhlIHNhbXBsZSBub25jZQ==').map((problem) => problem.text),
    ).toEqual([
      'Connection is missing: no "Upgrade" token',
      'Sec-WebSocket-Accept is "nope"; for the key dGhlIHNhbXBsZSBub25jZQ== it must be s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      'the 101 accepts the extension "permessage-deflate", which was not offered',
    ]);
  });
});

describe('the request reader (client mode)', () => {
  it('reads a request head in any chunking, with the bytes after it', () => {
    const head = 'GET /ws?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8082\r\nUpgrade: websocket\r\n\r\n';
    const bytes = Buffer.concat([Buffer.from(head, 'latin1'), fromHex('81 80 01 02 03 04')]);
    for (let split = 1; split < bytes.length; split++) {
      const reader = new RequestReader();
      const first = reader.push(bytes.subarray(0, split));
      const read = first ?? reader.push(bytes.subarray(split));
      if (read === undefined || read === 'too-large') throw new Error(`nothing read at ${split}`);
      expect(read.head.method).toBe('GET');
      expect(read.head.target).toBe('/ws?x=1');
      expect(read.head.version).toBe('HTTP/1.1');
      expect(read.head.headers).toEqual([
        ['Host', '127.0.0.1:8082'],
        ['Upgrade', 'websocket'],
      ]);
      expect(read.head.malformed).toEqual([]);
      // What came with the head's last piece: the frame bytes up to the split, or all of them.
      const rest = bytes.subarray(head.length, first === undefined ? bytes.length : split);
      expect(hex(read.rest)).toBe(hex(rest));
    }
  });
});

describe('a Connection', () => {
  /** Two ends of a TCP connection on loopback. */
  async function pair(): Promise<{ ours: Socket; theirs: Socket; close(): void }> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const theirs = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [ours] = await accepted;
    return {
      ours,
      theirs,
      close: () => {
        ours.destroy();
        theirs.destroy();
        server.close();
      },
    };
  }

  it("writes the close frame that answers the peer's close, not only logs it", async () => {
    // Before: once the peer's close frame had come, send() returned before writing anything,
    // while the log said the close frame went: a client waiting for it reported a connection
    // lost (1006).
    const { ours, theirs, close } = await pair();
    try {
      const connection = new Connection(ours, {
        number: 1,
        log: new WireLog(),
        peer: 'client',
        upgraded: { head: Buffer.alloc(0) },
      });
      const received: Buffer[] = [];
      theirs.on('data', (chunk: Buffer) => received.push(chunk));
      theirs.write(buildFrame({ opcode: Opcode.Close, payload: fromHex('03 e8') }).bytes);
      expect((await connection.next(2000)).kind).toBe('close');
      await connection.send({ opcode: Opcode.Close, payload: fromHex('03 e8') });
      connection.end();
      await once(theirs, 'end');
      expect(hex(Buffer.concat(received))).toBe('88 02 03 e8');
    } finally {
      close();
    }
  });
});
