/**
 * native-server against `ws`, a client written by other people: if the two agree on every size,
 * on fragments, pings and the closing handshake, the server speaks RFC 6455 as others read it.
 */
import { inboxOf, openWebSocket, roundTrip, whenClosed } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { serverPerTest, type WsClient } from './helpers.ts';

const start = serverPerTest();

const MiB = 1024 * 1024;

// The edges of the three length forms of RFC 6455 §5.2: 7 bits (0-125), 16 bits (126-65535),
// 64 bits (65536 and up); then big messages, up to the default limit itself: a message of
// exactly 16 MiB is allowed, one byte more is not (see frames.test.ts).
const sizes = [0, 1, 125, 126, 127, 65535, 65536, MiB, 16 * MiB];

/** `size` bytes of every value, in a pattern that shows a byte moved or lost. */
function binaryOf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

describe('echo (RFC 6455 §5.6)', () => {
  it.each(sizes)('sends a %i-byte text message back as text', async (size) => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const text = 'abcdefghij'.repeat(Math.ceil(size / 10)).slice(0, size);
    const echo = await roundTrip(ws, text, false);
    expect(echo.isBinary).toBe(false);
    expect(echo.data.length).toBe(size);
    expect(echo.data.equals(Buffer.from(text))).toBe(true);
    ws.close();
  });

  it.each(sizes)('sends a %i-byte binary message back as binary, byte for byte', async (size) => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const bytes = binaryOf(size);
    const echo = await roundTrip(ws, bytes, true);
    expect(echo.isBinary).toBe(true);
    expect(echo.data.length).toBe(size);
    expect(echo.data.equals(bytes)).toBe(true);
    ws.close();
  });

  it('keeps multi-byte UTF-8 intact (2-, 3- and 4-byte characters)', async () => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const text = 'héllo wörld ✓ 日本語 🎉';
    const echo = await roundTrip(ws, text, false);
    expect(echo.isBinary).toBe(false);
    expect(echo.data.toString()).toBe(text);
    ws.close();
  });

  it('keeps each message its type when text and binary alternate', async () => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const inbox = inboxOf(ws);
    ws.send('one');
    ws.send(Buffer.from('two'), { binary: true });
    ws.send('three');
    const echoes = [await inbox.next(), await inbox.next(), await inbox.next()];
    expect(echoes.map((echo) => [echo.data.toString(), echo.isBinary])).toEqual([
      ['one', false],
      ['two', true],
      ['three', false],
    ]);
    ws.close();
  });

  it('answers each of 50 concurrent clients with its own messages', async () => {
    const { server } = await start();
    const clients = await Promise.all(Array.from({ length: 50 }, () => openWebSocket(server.url)));
    clients.forEach((ws, i) => {
      for (let n = 0; n < 3; n++) ws.send(`client ${i} message ${n}`);
    });
    for (const [i, ws] of clients.entries()) {
      for (let n = 0; n < 3; n++) {
        expect((await inboxOf(ws).next()).data.toString()).toBe(`client ${i} message ${n}`);
      }
    }
    expect(server.stats().connections).toBe(50);
    await Promise.all(
      clients.map((ws) => {
        const closed = whenClosed(ws);
        ws.close();
        return closed;
      }),
    );
  });
});

describe('fragmented messages (§5.4)', () => {
  it('reassembles a text message sent in three fragments and echoes it as one', async () => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const inbox = inboxOf(ws);
    // ws sends the first fragment as a TEXT frame with FIN=0, the others as CONTINUATION frames.
    ws.send('Hello', { fin: false });
    ws.send(', frag', { fin: false });
    ws.send('mented world', { fin: true });
    const echo = await inbox.next();
    expect(echo.isBinary).toBe(false);
    expect(echo.data.toString()).toBe('Hello, fragmented world');
    // Exactly one echo for the three fragments: the next message is the next echo.
    expect((await roundTrip(ws, 'next', false)).data.toString()).toBe('next');
    ws.close();
  });

  it('reassembles a binary message sent in fragments and echoes it as one', async () => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const inbox = inboxOf(ws);
    const whole = binaryOf(200_000);
    ws.send(whole.subarray(0, 1), { binary: true, fin: false });
    ws.send(whole.subarray(1, 70_000), { binary: true, fin: false });
    ws.send(whole.subarray(70_000), { binary: true, fin: true });
    const echo = await inbox.next();
    expect(echo.isBinary).toBe(true);
    expect(echo.data.equals(whole)).toBe(true);
    expect((await roundTrip(ws, 'next', false)).data.toString()).toBe('next');
    ws.close();
  });
});

describe('control frames', () => {
  it('answers a ping with a pong carrying the same payload (§5.5.2)', async () => {
    const { server } = await start();
    const ws = await openWebSocket(server.url);
    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping(Buffer.from('are you there?'));
    expect((await pong).toString()).toBe('are you there?');
    ws.close();
  });

  it.each([
    { how: 'code 1000', close: (ws: WsClient) => ws.close(1000), code: 1000 },
    {
      how: 'code 4000 and a reason',
      close: (ws: WsClient) => ws.close(4000, 'done here'),
      code: 4000,
    },
    // ws's close() without arguments sends a close frame with no payload; the server answers
    // likewise, which ws reports as 1005, "no status received" (§7.1.5).
    { how: 'no code', close: (ws: WsClient) => ws.close(), code: 1005 },
  ])('answers a close with $how by echoing the code (§5.5.1)', async ({ close, code }) => {
    const { server, output } = await start();
    const ws = await openWebSocket(server.url);
    const closed = whenClosed(ws);
    close(ws);
    expect((await closed).code).toBe(code);
    await output.waitFor(new RegExp(`^disconnected: 127\\.0\\.0\\.1:\\d+, code ${code} `));
  });
});
