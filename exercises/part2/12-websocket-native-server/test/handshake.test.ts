/**
 * The opening handshake (RFC 6455 §4) over raw TCP: requests a WebSocket library would never
 * send, and the exact HTTP status each one gets. After every refusal the server still serves.
 */
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { FrameParser, Opcode, type ParserEvent } from 'shared';
import { openWebSocket, rawHttpExchange, readHead, roundTrip } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { clientFrame, expectStillServing, serverPerTest } from './helpers.ts';

const start = serverPerTest();

// The key and the answer of the example in RFC 6455 §1.3: SHA-1 of the key followed by the GUID
// 258EAFA5-E914-47DA-95CA-C5AB0DC85B11, in base64.
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** An HTTP request head: the request line, then each header that is not undefined. */
function request(requestLine: string, headers: Record<string, string | undefined>): string {
  const lines = [requestLine];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A correct upgrade request (§4.1), with some headers changed, or removed with undefined. */
function upgrade(
  changes: Record<string, string | undefined> = {},
  requestLine = 'GET /ws HTTP/1.1',
): string {
  return request(requestLine, {
    Host: 'localhost',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    ...changes,
  });
}

/**
 * Sends a request that should be accepted and returns the server's answer. A 101 leaves the
 * connection open (it now speaks WebSocket), so read the head only, then hang up.
 */
async function accepted(port: number, text: string) {
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(text);
  const { head } = await readHead(socket);
  socket.destroy();
  return head;
}

describe('accepted (101 Switching Protocols, §4.2.2)', () => {
  it('answers a complete upgrade request with 101 and the right Sec-WebSocket-Accept', async () => {
    const { server } = await start();
    const head = await accepted(server.port, upgrade());
    expect(head.status).toBe(101);
    expect(head.statusText).toBe('Switching Protocols');
    expect(head.headers.upgrade?.toLowerCase()).toBe('websocket');
    expect(head.headers.connection?.toLowerCase()).toBe('upgrade');
    expect(head.headers['sec-websocket-accept']).toBe(ACCEPT);
  });

  it('reads a frame sent in the same packet as the upgrade request', async () => {
    const { server } = await start();
    const socket = createConnection(server.port, '127.0.0.1');
    socket.on('error', () => {});
    // A client may send its first frame without waiting for the 101: Node hands those bytes to
    // the server with the request (the 'upgrade' event's `head`), not as socket data.
    socket.write(Buffer.concat([Buffer.from(upgrade()), clientFrame(Opcode.Text, 'early bird')]));
    const { head, rest } = await readHead(socket);
    expect(head.status).toBe(101);
    const parser = new FrameParser({ role: 'client' });
    const events: ParserEvent[] = parser.push(rest);
    if (events.length === 0) {
      socket.resume();
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      events.push(...parser.push(chunk));
    }
    expect(events[0]?.type).toBe('text');
    expect(events[0]?.type === 'text' && events[0].data.toString()).toBe('early bird');
    socket.destroy();
  });

  it('accepts "Connection: keep-alive, Upgrade" (a list, as Firefox sends it)', async () => {
    const { server } = await start();
    const head = await accepted(server.port, upgrade({ Connection: 'keep-alive, Upgrade' }));
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-accept']).toBe(ACCEPT);
  });

  it.each(['WebSocket', 'WEBSOCKET'])(
    'accepts "Upgrade: %s": the token is case-insensitive',
    async (value) => {
      const { server } = await start();
      const head = await accepted(server.port, upgrade({ Upgrade: value }));
      expect(head.status).toBe(101);
    },
  );

  it('declines an extension offer by leaving Sec-WebSocket-Extensions out of the 101', async () => {
    const { server } = await start();
    const head = await accepted(
      server.port,
      upgrade({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }),
    );
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-extensions']).toBeUndefined();
  });

  it('declines a subprotocol offer by leaving Sec-WebSocket-Protocol out of the 101', async () => {
    const { server } = await start();
    const head = await accepted(server.port, upgrade({ 'Sec-WebSocket-Protocol': 'chat' }));
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-protocol']).toBeUndefined();
  });
});

describe('refused upgrade requests (§4.2.1)', () => {
  it.each([
    {
      rule: 'a POST (the method must be GET)',
      text: upgrade({}, 'POST /ws HTTP/1.1'),
      status: 405,
      headers: { allow: 'GET' },
    },
    {
      rule: 'HTTP/1.0 (1.1 or later is required)',
      text: upgrade({}, 'GET /ws HTTP/1.0'),
      status: 400,
    },
    { rule: 'no Host header', text: upgrade({ Host: undefined }), status: 400 },
    {
      rule: 'no Sec-WebSocket-Key',
      text: upgrade({ 'Sec-WebSocket-Key': undefined }),
      status: 400,
    },
    {
      // 11 bytes in base64: a key must be 16 random bytes.
      rule: 'a Sec-WebSocket-Key that is not 16 bytes in base64',
      text: upgrade({ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZQ==' }),
      status: 400,
    },
    {
      // §4.2.2: the answer to a version the server does not speak lists the ones it does.
      rule: 'Sec-WebSocket-Version 8',
      // RFC 9110 §15.5.22 and §7.8: every 426 names the protocol, with Connection: Upgrade.
      text: upgrade({ 'Sec-WebSocket-Version': '8' }),
      status: 426,
      headers: {
        'sec-websocket-version': '13',
        upgrade: 'websocket',
        connection: 'Upgrade, close',
      },
    },
    {
      rule: 'no Sec-WebSocket-Version',
      text: upgrade({ 'Sec-WebSocket-Version': undefined }),
      status: 426,
      headers: {
        'sec-websocket-version': '13',
        upgrade: 'websocket',
        connection: 'Upgrade, close',
      },
    },
    {
      // RFC 9110 §7.2: exactly one Host. Node's request.headers keeps only the first.
      rule: 'two Host headers',
      text: upgrade({ Host: 'localhost\r\nhost: other.example' }),
      status: 400,
      body: /Host header is sent 2 times/,
    },
    {
      // RFC 9112 §3.2: more than one Host line is refused, even when they agree.
      rule: 'the same Host header twice',
      text: upgrade({ Host: 'localhost\r\nHost: localhost' }),
      status: 400,
      body: /Host header is sent 2 times/,
    },
    {
      rule: 'a Host with spaces in it',
      text: upgrade({ Host: 'a b c' }),
      status: 400,
      body: /Host header "a b c" is not a host name and port/,
    },
    {
      rule: 'a Host with a user, a path and a query in it',
      text: upgrade({ Host: 'x@y/z?' }),
      status: 400,
    },
    {
      // Without "Connection: Upgrade" Node does not see an upgrade at all and hands the server a
      // plain request; the server still says what is wrong with the handshake.
      rule: 'Upgrade: websocket without Connection: Upgrade',
      text: upgrade({ Connection: 'close' }),
      status: 400,
      body: /Connection header must include "Upgrade"/,
    },
    {
      // RFC 6455 §4.2.1: the Upgrade header must name websocket.
      rule: 'an upgrade to another protocol (Upgrade: h2c)',
      text: upgrade({ Upgrade: 'h2c' }),
      status: 400,
      body: /Upgrade header must be "websocket"/,
    },
    {
      rule: 'an upgrade to another path than /ws',
      text: upgrade({}, 'GET /chat HTTP/1.1'),
      status: 404,
    },
  ])('answers $rule with $status', async ({ text, status, headers, body }) => {
    const { server } = await start();
    // rawHttpExchange reads until the server closes the connection: a refusal must close it.
    const response = await rawHttpExchange(server.port, text);
    expect(response.head.status).toBe(status);
    if (headers) expect(response.head.headers).toMatchObject(headers);
    if (body) expect(response.body).toMatch(body);
    await expectStillServing(server);
  });

  it('answers request headers over 16 KiB with 431', async () => {
    const { server } = await start();
    const response = await rawHttpExchange(
      server.port,
      upgrade({ 'X-Padding': 'a'.repeat(17_000) }),
    );
    expect(response.head.status).toBe(431);
    await expectStillServing(server);
  });
});

describe('plain HTTP', () => {
  it('answers GET /ws without an upgrade with 426 and "Upgrade: websocket"', async () => {
    const { server } = await start();
    const text = request('GET /ws HTTP/1.1', { Host: 'localhost', Connection: 'close' });
    const response = await rawHttpExchange(server.port, text);
    expect(response.head.status).toBe(426);
    expect(response.head.headers.upgrade).toBe('websocket');
    expect(response.head.headers.connection?.toLowerCase()).toContain('upgrade');
    await expectStillServing(server);
  });

  it('answers a plain request for another path with 404', async () => {
    const { server } = await start();
    const text = request('GET /index.html HTTP/1.1', { Host: 'localhost', Connection: 'close' });
    const response = await rawHttpExchange(server.port, text);
    expect(response.head.status).toBe(404);
    await expectStillServing(server);
  });
});

describe('Origin (§10.2) with ALLOWED_ORIGINS', () => {
  const allowedOrigins = ['https://good.example'];
  // The fresh client that checks the server still serves comes from the allowed origin.
  const fromGoodOrigin = { origin: 'https://good.example' };

  it('refuses another origin with 403', async () => {
    const { server } = await start({ allowedOrigins });
    const response = await rawHttpExchange(
      server.port,
      upgrade({ Origin: 'https://evil.example' }),
    );
    expect(response.head.status).toBe(403);
    await expectStillServing(server, fromGoodOrigin);
  });

  it('refuses a request without an Origin with 403', async () => {
    const { server } = await start({ allowedOrigins });
    const response = await rawHttpExchange(server.port, upgrade());
    expect(response.head.status).toBe(403);
    await expectStillServing(server, fromGoodOrigin);
  });

  it('accepts an allowed origin', async () => {
    const { server } = await start({ allowedOrigins });
    const head = await accepted(server.port, upgrade({ Origin: 'https://good.example' }));
    expect(head.status).toBe(101);
  });
});

describe('handshake timeout', () => {
  const handshakeTimeout = 300;

  /** Connects, sends `text`, and waits for the server to close: what it sent and how long it took. */
  async function dropped(port: number, text: string) {
    const socket: Socket = createConnection(port, '127.0.0.1');
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'connect');
    const connected = Date.now();
    if (text !== '') socket.write(text);
    await once(socket, 'close');
    return { answer: Buffer.concat(chunks).toString(), after: Date.now() - connected };
  }

  it.each([
    { what: 'nothing', text: '' },
    {
      what: 'half a request',
      text: 'GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n',
    },
  ])('drops a socket that sends $what, after HANDSHAKE_TIMEOUT, with a 408', async ({ text }) => {
    const { server } = await start({ handshakeTimeout });
    const { answer, after } = await dropped(server.port, text);
    // Not before the timeout: Node checks the sockets every handshakeTimeout ms, so one is dropped
    // between one and two timeouts after it connected.
    expect(after).toBeGreaterThanOrEqual(handshakeTimeout - 50);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await expectStillServing(server);
  });

  it('does not apply to a connection once it speaks WebSocket', async () => {
    const { server } = await start({ handshakeTimeout: 100, heartbeatInterval: 300 });
    const ws = await openWebSocket(server.url);
    // The heartbeat's pings are the clock: 3 pings, 300 ms apart, outlast several handshake
    // timeouts (and Node's checks, every 100 ms here). The pings are far enough apart that a
    // busy test machine still gets each pong back in time.
    await new Promise<void>((resolve) => {
      let pings = 0;
      ws.on('ping', () => {
        pings += 1;
        if (pings === 3) resolve();
      });
    });
    expect(ws.readyState).toBe(ws.OPEN);
    expect((await roundTrip(ws, 'still here', false)).data.toString()).toBe('still here');
    ws.close();
  });
});
