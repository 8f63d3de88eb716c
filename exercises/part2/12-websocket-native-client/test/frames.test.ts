/**
 * Frames, against a raw server that reads the client's bytes with shared's parser: the client
 * masks what it sends, answers pings, puts fragments back together, and fails the connection with
 * the exact close code when the server breaks a rule (RFC 6455 §7.1.7).
 */
import { acceptResponse, encodeFrame, Opcode } from 'shared';
import { describe, expect, it } from 'vitest';
import {
  type ClientSide,
  CONNECTED,
  cleanUpAfterEachTest,
  closePayload,
  rawServer,
  scripted,
  serverFrame,
  startClient,
} from './helpers.ts';

cleanUpAfterEachTest();

/** A frame the way a correct server writes it: unmasked, FIN set unless told otherwise. */
const frame = (opcode: number, payload: Buffer | string = '', fin = true) =>
  encodeFrame({ opcode, payload: Buffer.from(payload), fin });

describe('what the client sends', () => {
  it('masks every frame, each with a fresh key (RFC 6455 §5.3)', async () => {
    let server: ClientSide | undefined;
    const url = await rawServer((client) => {
      server = client;
    });
    const client = startClient(url);
    await client.stdout.waitFor(/^Connected!/);
    const lines = Array.from({ length: 20 }, (_, i) => `Hello number ${i}`);
    client.type(...lines);
    client.input.end();
    if (!server) throw new Error('no connection');
    expect(await server.nextClose()).toEqual({ code: 1000, reason: '' });
    server.write(frame(Opcode.Close, closePayload(1000)));
    server.socket.end();
    expect(await client.finished).toBe(0);

    // 20 messages and the close frame, all masked (the parser, role 'server', insists on it).
    const { frames, wire } = server;
    expect(frames.map((f) => f.payload.toString())).toEqual([
      ...lines,
      closePayload(1000).toString(),
    ]);
    const keys = frames.map((f) => f.maskKey?.toString('hex'));
    expect(keys.every((key) => key !== undefined && key.length === 8)).toBe(true);
    expect(new Set(keys).size).toBe(frames.length);
    // On the wire, the text itself never shows.
    expect(Buffer.concat(wire).includes('Hello number')).toBe(false);
  });
});

describe('what the client receives', () => {
  it('a message in the same packet as the 101 answer is not lost', async () => {
    const url = await scripted((socket, key) => {
      // One write: the answer and the first frame arrive together.
      socket.write(
        Buffer.concat([Buffer.from(acceptResponse(key)), frame(Opcode.Text, 'right away')]),
      );
    });
    const client = startClient(url);
    expect(await client.stdout.waitFor(/^Received:/)).toBe('Received: right away');
  });

  it('puts fragmented messages back together, answering pings in between with the same payload', async () => {
    let server: ClientSide | undefined;
    const url = await rawServer((client) => {
      server = client;
      const wörld = Buffer.from('wörld');
      client.write(
        frame(Opcode.Text, 'Hello, ', false),
        frame(Opcode.Ping, 'first ping'),
        // The ö (c3 b6) is cut in half between two fragments.
        frame(Opcode.Continuation, wörld.subarray(0, 2), false),
        frame(Opcode.Ping, 'second ping'),
        frame(Opcode.Pong, 'a pong nobody asked for'),
        frame(Opcode.Continuation, wörld.subarray(2)),
        frame(Opcode.Binary, Buffer.from([1, 2]), false),
        frame(Opcode.Ping),
        frame(Opcode.Continuation, Buffer.from([3]), false),
        frame(Opcode.Continuation, Buffer.from([4])),
      );
    });
    const client = startClient(url);
    await client.stdout.waitFor(/^Received: 4 bytes/);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: Hello, wörld',
      'Received: 4 bytes (binary): 01 02 03 04',
    ]);
    if (!server) throw new Error('no connection');
    const pongs = [await server.next(), await server.next(), await server.next()];
    expect(pongs.map((event) => event?.type === 'pong' && ['pong', event.data.toString()])).toEqual(
      [
        ['pong', 'first ping'],
        ['pong', 'second ping'],
        ['pong', ''],
      ],
    );
    expect(server.frames.every((f) => f.maskKey !== undefined)).toBe(true);
  });
});

/** A server frame with a masking key, which a server must never send (RFC 6455 §5.1). */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('a server that breaks the rules: close with the exact code, one line, exit 1', () => {
  it.each([
    {
      rule: 'a masked server frame (§5.1)',
      bytes: serverFrame({ opcode: Opcode.Text, payload: 'Hello', maskKey: MASK }),
      code: 1002,
      message: 'server frame is masked',
    },
    {
      rule: 'reserved data opcode 0x3 (§5.2)',
      bytes: serverFrame({ opcode: 0x3, payload: 'hi' }),
      code: 1002,
      message: 'reserved opcode 0x3',
    },
    {
      rule: 'reserved control opcode 0xB (§5.2)',
      bytes: serverFrame({ opcode: 0xb }),
      code: 1002,
      message: 'reserved opcode 0xb',
    },
    {
      rule: 'RSV1 set without an extension (§5.2)',
      bytes: serverFrame({ opcode: Opcode.Text, rsv: 0b100, payload: 'hi' }),
      code: 1002,
      message: 'RSV1 set but no extension was negotiated',
    },
    {
      rule: 'a fragmented ping (§5.5)',
      bytes: serverFrame({ opcode: Opcode.Ping, fin: false, payload: 'ping' }),
      code: 1002,
      message: 'control frame is fragmented (FIN is 0)',
    },
    {
      rule: 'a ping of 126 bytes (§5.5)',
      bytes: serverFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(126, 0x70) }),
      code: 1002,
      message: 'control frame payload over 125 bytes',
    },
    {
      rule: 'a continuation frame with no message started (§5.4)',
      bytes: serverFrame({ opcode: Opcode.Continuation, payload: 'orphan' }),
      code: 1002,
      message: 'continuation frame with no message started',
    },
    {
      rule: 'a new message inside a fragmented one (§5.4)',
      bytes: Buffer.concat([frame(Opcode.Text, 'half', false), frame(Opcode.Text, 'other')]),
      code: 1002,
      message: 'new message started before the previous one was finished',
    },
    {
      rule: 'a 64-bit length with its top bit set (§5.2)',
      bytes: serverFrame({ opcode: Opcode.Binary, length: 2n ** 63n }),
      code: 1002,
      message: '64-bit payload length has its top bit set',
    },
    {
      rule: 'a close frame with a 1-byte payload (§5.5.1)',
      bytes: serverFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03]) }),
      code: 1002,
      message: 'close frame has a 1-byte payload',
    },
    {
      rule: 'close code 1005, which may not be sent (§7.4.1)',
      bytes: serverFrame({ opcode: Opcode.Close, payload: closePayload(1005) }),
      code: 1002,
      message: 'close code 1005 may not be sent',
    },
    {
      rule: 'invalid UTF-8 in a text frame (§8.1)',
      bytes: frame(Opcode.Text, Buffer.from([0x68, 0x69, 0xff, 0x21])),
      code: 1007,
      message: 'text message is not valid UTF-8',
    },
    {
      rule: 'a text message that ends inside a character (§8.1)',
      bytes: Buffer.concat([
        frame(Opcode.Text, Buffer.from([0x61, 0xe2]), false),
        frame(Opcode.Continuation, Buffer.from([0x82])),
      ]),
      code: 1007,
      message: 'text message ends inside a UTF-8 sequence',
    },
    {
      rule: 'a close reason that is not UTF-8 (§5.5.1)',
      bytes: frame(Opcode.Close, closePayload(1000, Buffer.from([0xc3, 0x28]))),
      code: 1007,
      message: 'close reason is not valid UTF-8',
    },
    {
      // Only the 10-byte header is sent: the client must refuse from the header alone, without
      // trying to make room for 4 EiB.
      rule: 'a 64-bit length claiming 2^62 bytes (§10.4)',
      bytes: serverFrame({ opcode: Opcode.Binary, length: 2n ** 62n }),
      code: 1009,
      message: `message of ${2 ** 62} bytes is over the limit of 16777216`,
    },
  ])('$rule: $code', async ({ bytes, code, message }) => {
    let close: Promise<{ code: number; reason: string }> | undefined;
    const url = await rawServer((server) => {
      server.write(bytes);
      // The client's close frame, then the server does what it should: close TCP.
      close = server.nextClose().finally(() => server.socket.end());
    });
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    const name =
      code === 1002 ? 'Protocol Error' : code === 1007 ? 'Invalid Payload Data' : 'Message Too Big';
    expect(client.stdout.lines).toEqual([CONNECTED]);
    expect(client.stderr.lines).toEqual([
      `protocol error: ${message}; closing with ${code} (${name})`,
    ]);
    expect(await close).toEqual({ code, reason: message });
  });

  it('messages before the bad frame are printed; nothing after it is', async () => {
    const url = await rawServer((server) => {
      server.write(
        frame(Opcode.Text, 'fine'),
        serverFrame({ opcode: 0x3 }),
        frame(Opcode.Text, 'never read'),
      );
      void server.nextClose().finally(() => server.socket.end());
    });
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: fine',
      'protocol error: reserved opcode 0x3; closing with 1002 (Protocol Error)',
    ]);
  });
});
