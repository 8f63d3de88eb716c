/**
 * The opening handshake (RFC 6455 §4) over raw TCP: the 101 with the RFC's accept value, and a
 * few representative refusals with their exact HTTP status. After every refusal the server still
 * greets and echoes. (This is native-server's code; its tests go through every rule.)
 */
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { FrameParser, type ParserEvent } from 'shared';
import { rawHttpExchange, readHead } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { expectStillServing, serverPerTest } from './helpers.ts';

const start = serverPerTest();

// The key and the answer of the example in RFC 6455 §1.3: SHA-1 of the key followed by the GUID
// 258EAFA5-E914-47DA-95CA-C5AB0DC85B11, in base64.
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** A correct upgrade request (§4.1), with some headers changed, or removed with undefined. */
function upgrade(
  changes: Record<string, string | undefined> = {},
  requestLine = 'GET /ws HTTP/1.1',
): string {
  const headers: Record<string, string | undefined> = {
    Host: 'localhost',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    ...changes,
  };
  const lines = [requestLine];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('accepted (101 Switching Protocols, §4.2.2)', () => {
  it('answers with the right Sec-WebSocket-Accept, then greets', async () => {
    const { server } = await start();
    const socket = createConnection(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(upgrade());
    const { head, rest } = await readHead(socket);
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-accept']).toBe(ACCEPT);
    // The greeting may have come in the same chunk as the 101, or comes next.
    const parser = new FrameParser({ role: 'client' });
    const events: ParserEvent[] = parser.push(rest);
    if (events.length === 0) {
      socket.resume();
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      events.push(...parser.push(chunk));
    }
    expect(events[0]?.type).toBe('text');
    expect(events[0]?.type === 'text' && events[0].data.toString()).toBe(
      'Hello! Your IP is 127.0.0.1',
    );
    socket.destroy();
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
    { rule: 'no Host header', text: upgrade({ Host: undefined }), status: 400 },
    {
      // RFC 9110 §7.2: exactly one Host. Node's request.headers keeps only the first.
      rule: 'two Host headers',
      text: upgrade({ Host: 'localhost\r\nhost: other.example' }),
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
      rule: 'no Sec-WebSocket-Key',
      text: upgrade({ 'Sec-WebSocket-Key': undefined }),
      status: 400,
    },
    {
      rule: 'Sec-WebSocket-Version 8',
      text: upgrade({ 'Sec-WebSocket-Version': '8' }),
      status: 426,
      headers: { 'sec-websocket-version': '13', upgrade: 'websocket' },
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

  it('refuses an origin not in ALLOWED_ORIGINS with 403 (§10.2)', async () => {
    const { server } = await start({ allowedOrigins: ['https://good.example'] });
    const response = await rawHttpExchange(
      server.port,
      upgrade({ Origin: 'https://evil.example' }),
    );
    expect(response.head.status).toBe(403);
    await expectStillServing(server, { Origin: 'https://good.example' });
  });
});
