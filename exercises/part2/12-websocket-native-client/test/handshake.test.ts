/**
 * The opening handshake, checked by the client itself (RFC 6455 §4.1): against scripted servers
 * that answer wrongly, each failure is one line that says what was wrong, and exit code 1. The
 * client never gets as far as "Connected!".
 */
import { acceptKey, encodeFrame, Opcode } from 'shared';
import { freePort } from 'support/testing';
import { describe, expect, it } from 'vitest';
import {
  CONNECTED,
  cleanUpAfterEachTest,
  closePayload,
  rawServer,
  scripted,
  startClient,
} from './helpers.ts';

cleanUpAfterEachTest();

/** A 101 answer with these header lines (the status line and the blank line are added). */
function answer101(...headers: string[]): string {
  return ['HTTP/1.1 101 Switching Protocols', ...headers, '', ''].join('\r\n');
}

const upgrade = 'Upgrade: websocket';
const connection = 'Connection: Upgrade';
const accept = (key: string) => `Sec-WebSocket-Accept: ${acceptKey(key)}`;

describe('a wrong answer to the upgrade request: one line, exit 1', () => {
  it.each([
    {
      what: 'a wrong Sec-WebSocket-Accept',
      answer: () => answer101(upgrade, connection, `Sec-WebSocket-Accept: ${acceptKey('x')}`),
      line: 'handshake failed: Sec-WebSocket-Accept does not match',
    },
    {
      what: 'the key itself sent back as the accept value',
      answer: (key: string) => answer101(upgrade, connection, `Sec-WebSocket-Accept: ${key}`),
      line: 'handshake failed: Sec-WebSocket-Accept does not match',
    },
    {
      what: 'no Sec-WebSocket-Accept',
      answer: () => answer101(upgrade, connection),
      line: 'handshake failed: Sec-WebSocket-Accept is missing',
    },
    {
      what: 'a 404',
      answer: () => 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
      line: 'handshake failed: server answered 404 Not Found',
    },
    {
      what: 'a 200, as a plain web server would answer',
      answer: () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
      line: 'handshake failed: server answered 200 OK',
    },
    {
      what: 'a 101 without Upgrade',
      answer: (key: string) => answer101(connection, accept(key)),
      line: 'handshake failed: Upgrade header is missing, not "websocket"',
    },
    {
      what: 'a 101 upgrading to something else',
      answer: (key: string) => answer101('Upgrade: h2c', connection, accept(key)),
      line: 'handshake failed: Upgrade header is "h2c", not "websocket"',
    },
    {
      // RFC 6455 §4.1: the value must be "websocket" itself, not a list that contains it.
      what: 'a 101 upgrading to a list with websocket in it',
      answer: (key: string) => answer101('Upgrade: h2c, websocket', connection, accept(key)),
      line: 'handshake failed: Upgrade header is "h2c, websocket", not "websocket"',
    },
    {
      what: 'a 101 with the Upgrade header twice',
      answer: (key: string) => answer101(upgrade, upgrade, connection, accept(key)),
      line: 'handshake failed: Upgrade header is "websocket, websocket", not "websocket"',
    },
    {
      what: 'a 101 without Connection: Upgrade',
      answer: (key: string) => answer101(upgrade, accept(key)),
      line: 'handshake failed: Connection header is missing, not "Upgrade"',
    },
    {
      what: 'a 101 with Connection: keep-alive',
      answer: (key: string) => answer101(upgrade, 'Connection: keep-alive', accept(key)),
      line: 'handshake failed: Connection header is "keep-alive", not "Upgrade"',
    },
    {
      what: 'an extension the client never offered',
      answer: (key: string) =>
        answer101(upgrade, connection, accept(key), 'Sec-WebSocket-Extensions: permessage-deflate'),
      line: 'handshake failed: server chose extension "permessage-deflate", never offered',
    },
    {
      what: 'a subprotocol the client never asked for',
      answer: (key: string) =>
        answer101(upgrade, connection, accept(key), 'Sec-WebSocket-Protocol: chat'),
      line: 'handshake failed: server chose subprotocol "chat", never offered',
    },
    {
      what: 'something that is not HTTP',
      answer: () => 'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      line: 'handshake failed: not an HTTP/1.1 response: "SSH-2.0-OpenSSH_9.6"',
    },
  ])('$what', async ({ answer, line }) => {
    const url = await scripted((socket, key) => socket.write(answer(key)));
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([line]);
  });

  it('header lines that never end (over 16 KiB)', async () => {
    const url = await scripted((socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nX-Padding: ${'a'.repeat(20_000)}`);
    });
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      'handshake failed: response headers are over 16384 bytes',
    ]);
  });
});

describe('a right answer written in an old style', () => {
  it('a folded header (obs-fold, RFC 7230 §3.2.4): connects and echoes', async () => {
    // "Connection:" with its value on the next line, which starts with a space.
    const folded = (key: string) => answer101(upgrade, 'Connection:', ' Upgrade', accept(key));
    const url = await rawServer((server) => {
      void (async () => {
        const event = await server.next();
        if (event?.type !== 'text') return;
        server.write(encodeFrame({ opcode: Opcode.Text, payload: event.data }));
        await server.nextClose();
        server.write(encodeFrame({ opcode: Opcode.Close, payload: closePayload(1000) }));
        server.socket.end();
      })();
    }, folded);
    const client = startClient(url);
    client.type('folded');
    await client.output.waitFor(/^Received: /);
    client.input.end();
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: folded',
      'closed: code 1000 (Normal Closure)',
    ]);
  });
});

describe('no answer at all', () => {
  it('a server that never answers: gives up after --timeout, exit 1', async () => {
    const url = await scripted(() => {}); // reads the request, never answers
    const started = Date.now();
    const client = startClient(url, { timeout: 300 });
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual(['handshake failed: no answer within 0.3 s']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a server that hangs up instead of answering', async () => {
    const url = await scripted((socket) => socket.end());
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual(['handshake failed: the server closed the connection']);
  });

  it('nothing listening: connection refused', async () => {
    const url = `ws://127.0.0.1:${await freePort()}/ws`;
    const client = startClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([`cannot connect to ${url}: connection refused`]);
  });
});
