/**
 * Frames over raw TCP: what a correct client library would never send. Each broken rule is
 * answered with a close frame carrying the exact status code, then the end of the TCP connection;
 * the server keeps serving everyone else.
 */
import { encodeFrame, MAX_FRAGMENTS, Opcode, type ParserEvent } from 'shared';
import { RawClient } from 'support/testing';
import { flood } from 'support/testing/flood';
import { describe, expect, it } from 'vitest';
import {
  clientFrame,
  closePayload,
  expectCloseThenEnd,
  expectStillServing,
  rawFrame,
  serverPerTest,
} from './helpers.ts';

const start = serverPerTest();

/** An event as a plain value to compare with toEqual: payloads as text. */
function summary(event: ParserEvent | undefined) {
  if (event === undefined) return 'connection closed';
  if (event.type === 'close') return { type: 'close', code: event.code };
  if (event.type === 'error') return { type: 'error', message: event.error.message };
  return { type: event.type, data: event.data.toString() };
}

describe('protocol errors close the connection with the exact code', () => {
  it.each([
    {
      rule: 'an unmasked client frame (§5.1)',
      // 0x81: FIN + TEXT; 0x02: MASK bit clear, length 2; then "hi" as it is.
      bytes: [encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('hi') })],
      code: 1002,
    },
    {
      rule: 'RSV1 set with no extension negotiated (§5.2)',
      bytes: [rawFrame({ opcode: Opcode.Text, rsv: 0b100, payload: 'hi' })],
      code: 1002,
    },
    {
      rule: 'RSV2 set (§5.2)',
      bytes: [rawFrame({ opcode: Opcode.Text, rsv: 0b010, payload: 'hi' })],
      code: 1002,
    },
    {
      rule: 'RSV3 set (§5.2)',
      bytes: [rawFrame({ opcode: Opcode.Text, rsv: 0b001, payload: 'hi' })],
      code: 1002,
    },
    {
      rule: 'reserved data opcode 0x3 (§5.2)',
      bytes: [rawFrame({ opcode: 0x3, payload: 'hi' })],
      code: 1002,
    },
    {
      rule: 'reserved control opcode 0xB (§5.2)',
      bytes: [rawFrame({ opcode: 0xb, payload: 'hi' })],
      code: 1002,
    },
    {
      // 126 bytes take the 16-bit length form (marker 126): a control frame never needs it.
      rule: 'a ping of 126 bytes: control frames carry at most 125 (§5.5)',
      bytes: [rawFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(126, 0x70) })],
      code: 1002,
    },
    {
      rule: 'a fragmented ping, FIN=0 (§5.5)',
      bytes: [rawFrame({ opcode: Opcode.Ping, fin: false, payload: 'ping' })],
      code: 1002,
    },
    {
      rule: 'a continuation frame with no message started (§5.4)',
      bytes: [rawFrame({ opcode: Opcode.Continuation, payload: 'orphan' })],
      code: 1002,
    },
    {
      rule: 'a new text frame inside a fragmented message (§5.4)',
      bytes: [
        clientFrame(Opcode.Text, 'first half, ', false),
        clientFrame(Opcode.Text, 'not a continuation'),
      ],
      code: 1002,
    },
    {
      // The code takes 2 bytes: a payload of 1 byte is neither empty nor a code.
      rule: 'a close frame with a 1-byte payload (§5.5.1)',
      bytes: [clientFrame(Opcode.Close, Buffer.from([0x03]))],
      code: 1002,
    },
    // 1004 is reserved; 1005, 1006 and 1015 only report what happened locally (no code, no
    // close frame, a TLS failure); 999 is below the range and 5000 above it. None may be sent.
    ...[1004, 1005, 1006, 1015, 999, 5000].map((closeCode) => ({
      rule: `close code ${closeCode}, which may not be sent (§7.4)`,
      bytes: [clientFrame(Opcode.Close, closePayload(closeCode))],
      code: 1002,
    })),
    {
      // RFC 6455 §5.2: in the 64-bit length form "the most significant bit MUST be 0".
      rule: 'a 64-bit length with its most significant bit set (§5.2)',
      bytes: [rawFrame({ opcode: Opcode.Binary, length: 2n ** 63n })],
      code: 1002,
    },
    {
      // 0xFF never appears in UTF-8.
      rule: 'invalid UTF-8 in a text message (§8.1)',
      bytes: [clientFrame(Opcode.Text, Buffer.from([0x68, 0x69, 0xff]))],
      code: 1007,
    },
    {
      // E2 82 starts "€" (E2 82 AC), and the message ends before its last byte.
      rule: 'a text message that ends inside a character (§8.1)',
      bytes: [clientFrame(Opcode.Text, Buffer.from([0x61, 0xe2, 0x82]))],
      code: 1007,
    },
    {
      // 1000, then 0xC3 0x28: 0xC3 starts a 2-byte character, 0x28 "(" cannot continue it.
      rule: 'invalid UTF-8 in a close reason (§5.5.1)',
      bytes: [clientFrame(Opcode.Close, closePayload(1000, Buffer.from([0xc3, 0x28])))],
      code: 1007,
    },
  ])('answers $rule with $code', async ({ bytes, code }) => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    client.write(Buffer.concat(bytes));
    await expectCloseThenEnd(client, code);
    await expectStillServing(server);
  });
});

describe('UTF-8 across fragments (§8.1)', () => {
  it('fails at the first fragment with invalid UTF-8, before the message is finished', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    // FIN=0: more fragments would follow, but the server must not wait for them.
    client.write(clientFrame(Opcode.Text, Buffer.from([0x6f, 0x6b, 0xc0, 0xaf]), false));
    // 0xC0 0xAF is "/" in an overlong form, which UTF-8 forbids. No last fragment is ever sent:
    // the close can only come from checking the text as it arrives.
    await expectCloseThenEnd(client, 1007);
    await expectStillServing(server);
  });

  it('accepts a character split between two fragments', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    const euro = Buffer.from('€'); // E2 82 AC
    client.write(
      clientFrame(Opcode.Text, Buffer.concat([Buffer.from('price: '), euro.subarray(0, 1)]), false),
    );
    client.write(clientFrame(Opcode.Continuation, euro.subarray(1, 2), false));
    client.write(
      clientFrame(Opcode.Continuation, Buffer.concat([euro.subarray(2), Buffer.from('5')])),
    );
    expect(summary(await client.next())).toEqual({ type: 'text', data: 'price: €5' });
  });
});

describe('message size limit (MAX_PAYLOAD, RFC 6455 §10.4)', () => {
  it('echoes a message of exactly MAX_PAYLOAD bytes', async () => {
    const { rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(1000, 0x2a)));
    const echo = await client.next();
    expect(echo?.type === 'binary' && echo.data.length).toBe(1000);
  });

  it('closes with 1009 on a 1001-byte frame', async () => {
    const { server, rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(1001)));
    await expectCloseThenEnd(client, 1009);
    await expectStillServing(server);
  });

  it('closes with 1009 when fragments of 600 bytes add up to more', async () => {
    const { server, rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    // Each fragment is under the limit; the message is not.
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(600), false));
    client.write(clientFrame(Opcode.Continuation, Buffer.alloc(600)));
    await expectCloseThenEnd(client, 1009);
    await expectStillServing(server);
  });

  it('closes with 1009 when one message comes in more than MAX_FRAGMENTS fragments', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    // Empty continuation frames, endlessly: they cost nothing each, but keep a message open.
    const empty = clientFrame(Opcode.Continuation, '', false);
    client.write(clientFrame(Opcode.Text, 'a', false));
    client.write(Buffer.concat(Array.from({ length: MAX_FRAGMENTS }, () => empty)));
    expect(summary(await client.next())).toEqual({ type: 'close', code: 1009 });
    await expectStillServing(server);
  });

  it('closes with 1009 as soon as a header announces 16 MiB + 1 byte, the default limit', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    // Only the header is sent: the length alone must be enough to refuse the message.
    client.write(rawFrame({ opcode: Opcode.Binary, length: BigInt(16 * 1024 * 1024 + 1) }));
    await expectCloseThenEnd(client, 1009);
    await expectStillServing(server);
  });

  it('closes with 1009 on a header claiming 2^62 bytes, without holding memory for them', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    // 127 in the 7-bit field, then 2^62 as a 64-bit number: a valid header (top bit 0) for a
    // payload no server could hold. Some payload bytes follow, as an attacker would send.
    client.write(rawFrame({ opcode: Opcode.Binary, length: 2n ** 62n }));
    client.write(Buffer.alloc(64 * 1024));
    expect(summary(await client.next())).toEqual({ type: 'close', code: 1009 });
    expect(server.stats().bufferedBytes).toBeLessThan(64 * 1024);
    expect(await client.next()).toBeUndefined();
    await client.closed;
    await expectStillServing(server);
  });
});

describe('control frames', () => {
  it('answers pings between the fragments of a message, then echoes the message whole (§5.4)', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    client.write(
      Buffer.concat([
        clientFrame(Opcode.Text, 'Hello, ', false),
        clientFrame(Opcode.Ping, 'ping 1'),
        clientFrame(Opcode.Continuation, 'fragmented ', false),
        clientFrame(Opcode.Ping, 'ping 2'),
        clientFrame(Opcode.Continuation, 'world'),
      ]),
    );
    // §5.5.2: each pong carries its ping's payload; the message is not disturbed by them.
    const events = [await client.next(), await client.next(), await client.next()];
    expect(events.map(summary)).toEqual([
      { type: 'pong', data: 'ping 1' },
      { type: 'pong', data: 'ping 2' },
      { type: 'text', data: 'Hello, fragmented world' },
    ]);
  });

  it('ignores an unsolicited pong (§5.5.3): no answer, and the connection stays', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    client.write(clientFrame(Opcode.Pong, 'heartbeat'));
    client.write(clientFrame(Opcode.Text, 'after the pong'));
    // The first thing back is the echo: nothing answered the pong, nothing closed.
    expect(summary(await client.next())).toEqual({ type: 'text', data: 'after the pong' });
  });

  it('reads a frame sent in the same write as the upgrade request', async () => {
    // A client may send frames without waiting for the 101: Node hands them to the 'upgrade'
    // event with the request (`head`), before the socket's first 'data'.
    const { server } = await start();
    const frame = clientFrame(Opcode.Text, 'along with the request');
    const client = await RawClient.connect(server.port, '127.0.0.1', '/ws', {
      withRequest: frame,
    });
    expect(summary(await client.next())).toEqual({ type: 'text', data: 'along with the request' });
    client.socket.destroy();
  });

  it('reads a frame that arrives one byte at a time', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    client.socket.setNoDelay(true);
    for (const byte of clientFrame(Opcode.Text, 'drip, drip')) client.write([byte]);
    expect(summary(await client.next())).toEqual({ type: 'text', data: 'drip, drip' });
  });
});

describe('the closing handshake', () => {
  it('answers a close with a close echoing the code, then ends TCP first (§5.5.1, §7.1.1)', async () => {
    const { output, rawClient } = await start();
    const client = await rawClient();
    client.write(clientFrame(Opcode.Close, closePayload(1000, 'bye')));
    // The client never ends its side: the server closing TCP is what lets `closed` resolve.
    await expectCloseThenEnd(client, 1000);
    await output.waitFor(
      /^disconnected: 127\.0\.0\.1:\d+, code 1000 \(Normal Closure\), reason "bye"$/,
    );
  });

  it('answers a close without a code with a close without a code (§5.5.1)', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    client.write(clientFrame(Opcode.Close));
    // An empty close payload reads as 1005, "no status received" (§7.1.5).
    await expectCloseThenEnd(client, 1005);
  });

  it('ignores data sent after the close frame (§1.4)', async () => {
    const { output, rawClient } = await start();
    const client = await rawClient();
    // Both frames in one write, so the server reads them together.
    client.write(
      Buffer.concat([
        clientFrame(Opcode.Close, closePayload(1000)),
        clientFrame(Opcode.Text, 'too late'),
      ]),
    );
    await expectCloseThenEnd(client, 1000);
    expect(output.lines.filter((line) => line.startsWith('Received'))).toEqual([]);
  });

  it('gets its close frame to a client that is still sending, then ends TCP (§7.1.1)', async () => {
    // The client does not read for a while, so echoes wait in the system's buffers; then it
    // announces a message over the 1,000-byte limit and goes on sending its bytes as fast as it
    // can. The server answers 1009 from the header, behind those echoes. Closing a socket that
    // still has unread bytes makes the system reset the connection and throw away what it had
    // not sent yet - the close frame too. So the server ends its side after the frame and reads
    // on, throwing the bytes away, until the client ends its side (or CLOSE_TIMEOUT_MS).
    const { server, rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    client.socket.pause();
    const messages = 4000;
    for (let i = 0; i < messages; i++) client.sendFrame(Opcode.Binary, Buffer.alloc(1000, i));
    while (server.stats().bufferedBytes === 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(1001)).subarray(0, 8)); // its header only
    flood(client.socket, Buffer.alloc(64 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server reads the header now
    client.socket.resume();
    let echoes = 0;
    let event = await client.next();
    while (event?.type === 'binary') {
      echoes += 1;
      event = await client.next();
    }
    expect([echoes, summary(event)]).toEqual([messages, { type: 'close', code: 1009 }]);
    await client.closed;
  });

  it('cleans up after a client that vanishes without a close frame (§7.1.5: 1006)', async () => {
    const { server, output, rawClient } = await start();
    const client = await rawClient();
    expect(server.stats().connections).toBe(1);
    client.socket.destroy();
    await output.waitFor(/^disconnected: 127\.0\.0\.1:\d+, code 1006 /);
    expect(server.stats()).toEqual({ connections: 0, bufferedBytes: 0 });
  });
});
