import { describe, expect, it } from 'vitest';
import {
  checkUpgradeResponse,
  MAX_RESPONSE_HEAD_BYTES,
  type ResponseHead,
  ResponseHeadReader,
  upgradeRequest,
} from '../src/client-handshake.ts';
import {
  acceptKey,
  acceptResponse,
  checkUpgradeRequest,
  isHandshakeKey,
  type UpgradeRequest,
} from '../src/handshake.ts';
import { bytes, chunksOf } from './helpers.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Parses a request's text the way Node's HTTP parser would, for the server's check. */
function parseRequest(text: string): UpgradeRequest {
  const [requestLine = '', ...lines] = text.split('\r\n');
  const [method, , version = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, httpVersion: version.replace('HTTP/', ''), headers };
}

/** A 101 answer to `KEY` with some headers changed (undefined removes one). */
function answer(headers: Record<string, string | undefined> = {}, status = 101): ResponseHead {
  const all: Record<string, string | undefined> = {
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-accept': acceptKey(KEY),
    ...headers,
  };
  const present = Object.entries(all).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, value] as const],
  );
  const statusText = status === 101 ? 'Switching Protocols' : 'Not Found';
  return { status, statusText, headers: Object.fromEntries(present) };
}

describe('upgradeRequest (§4.1)', () => {
  const { key, request } = upgradeRequest({ host: 'localhost:8082', path: '/ws?room=1' });

  it('asks with GET for the path, in HTTP/1.1 (§4.1)', () => {
    expect(request.startsWith('GET /ws?room=1 HTTP/1.1\r\n')).toBe(true);
  });

  it('has the Host, Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version headers (§4.1)', () => {
    expect(request).toContain('\r\nHost: localhost:8082\r\n');
    expect(request).toContain('\r\nUpgrade: websocket\r\n');
    expect(request).toContain('\r\nConnection: Upgrade\r\n');
    expect(request).toContain(`\r\nSec-WebSocket-Key: ${key}\r\n`);
    expect(request).toContain('\r\nSec-WebSocket-Version: 13\r\n');
    expect(request.endsWith('\r\n\r\n')).toBe(true);
  });

  it('carries a key of 16 random bytes in base64 (§4.1)', () => {
    expect(Buffer.from(key, 'base64')).toHaveLength(16);
    expect(isHandshakeKey(key)).toBe(true);
  });

  it('uses a different key on each call (§4.1: "randomly selected")', () => {
    const keys = new Set(
      Array.from({ length: 20 }, () => upgradeRequest({ host: 'h', path: '/' }).key),
    );
    expect(keys.size).toBe(20);
  });

  it('uses the key it is given (for tests)', () => {
    expect(upgradeRequest({ host: 'h', path: '/', key: KEY }).key).toBe(KEY);
  });

  it("is accepted by the server's checkUpgradeRequest (§4.2.1)", () => {
    expect(checkUpgradeRequest(parseRequest(request))).toEqual({ ok: true, key });
  });
});

describe('ResponseHeadReader', () => {
  const head = acceptResponse(KEY);

  it('reads a head that arrives in one chunk (§4.1)', () => {
    const result = new ResponseHeadReader().push(Buffer.from(head));
    expect(result).toEqual({
      type: 'complete',
      head: {
        status: 101,
        statusText: 'Switching Protocols',
        headers: {
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-accept': acceptKey(KEY),
        },
      },
      rest: Buffer.alloc(0),
    });
  });

  it('reads a head that arrives one byte at a time (§4.1)', () => {
    const reader = new ResponseHeadReader();
    const results = chunksOf(Buffer.from(head), 1).map((chunk) => reader.push(chunk).type);
    expect(results.slice(0, -1).every((type) => type === 'incomplete')).toBe(true);
    expect(results.at(-1)).toBe('complete');
  });

  it('returns the frame bytes that came after the blank line in `rest` (§4.1)', () => {
    const frame = bytes('81 05 48 65 6c 6c 6f');
    const result = new ResponseHeadReader().push(Buffer.concat([Buffer.from(head), frame]));
    expect(result.type === 'complete' && result.rest).toEqual(frame);
  });

  it('joins a header sent twice with ", " (RFC 9110 §5.3)', () => {
    const text =
      'HTTP/1.1 101 Switching Protocols\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n\r\n';
    const result = new ResponseHeadReader().push(Buffer.from(text));
    expect(result.type === 'complete' && result.head.headers.connection).toBe(
      'keep-alive, Upgrade',
    );
  });

  it('gives up on more than 16 KiB without a blank line', () => {
    const reader = new ResponseHeadReader();
    expect(reader.push(Buffer.alloc(MAX_RESPONSE_HEAD_BYTES, 'a')).type).toBe('incomplete');
    expect(reader.push(Buffer.from('a'))).toEqual({
      type: 'invalid',
      reason: 'response headers are over 16384 bytes',
    });
  });

  it('gives up on a head over 16 KiB even when its blank line came in the same chunk', () => {
    const huge = `HTTP/1.1 101 Switching Protocols\r\nX-Padding: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}\r\n\r\n`;
    expect(new ResponseHeadReader().push(Buffer.from(huge)).type).toBe('invalid');
  });

  it('rejects a status line that is not HTTP', () => {
    const result = new ResponseHeadReader().push(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    expect(result.type).toBe('invalid');
    expect(result.type === 'invalid' && result.reason).toMatch(/^not an HTTP\/1.1 response/);
  });

  it('rejects a header line with an empty name', () => {
    const text = 'HTTP/1.1 101 Switching Protocols\r\n: websocket\r\n\r\n';
    expect(new ResponseHeadReader().push(Buffer.from(text)).type).toBe('invalid');
  });

  it('rejects a header line without a colon', () => {
    const text = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade websocket\r\n\r\n';
    expect(new ResponseHeadReader().push(Buffer.from(text)).type).toBe('invalid');
  });

  /** The headers of a head made of these lines, or the reason it is invalid. */
  function headersOf(...lines: string[]) {
    const text = ['HTTP/1.1 101 Switching Protocols', ...lines, '', ''].join('\r\n');
    const result = new ResponseHeadReader().push(Buffer.from(text));
    return result.type === 'complete' ? result.head.headers : result;
  }

  it('unfolds an obs-folded value: "Connection:" then " Upgrade" (RFC 7230 §3.2.4)', () => {
    expect(headersOf('Upgrade: websocket', 'Connection:', ' Upgrade')).toEqual({
      upgrade: 'websocket',
      connection: 'Upgrade',
    });
  });

  it('joins each folded line to the value with one space, after SP or HTAB (RFC 7230 §3.2.4)', () => {
    expect(headersOf('X-Words: one', '   two', '\tthree \t', 'Upgrade: websocket')).toEqual({
      'x-words': 'one two three',
      upgrade: 'websocket',
    });
  });

  it('unfolds into the last of a header sent twice (RFC 7230 §3.2.4, RFC 9110 §5.3)', () => {
    expect(headersOf('Connection: keep-alive', 'Connection:', ' Upgrade')).toEqual({
      connection: 'keep-alive, Upgrade',
    });
  });

  it('rejects a folded line right after the status line: there is no header to continue', () => {
    expect(headersOf(' Upgrade: websocket', 'Connection: Upgrade')).toEqual({
      type: 'invalid',
      reason: 'malformed header line: " Upgrade: websocket"',
    });
  });
});

describe('checkUpgradeResponse (§4.1)', () => {
  it("accepts the server's acceptResponse to the key (§4.1)", () => {
    const result = new ResponseHeadReader().push(Buffer.from(acceptResponse(KEY)));
    expect(result.type === 'complete' && checkUpgradeResponse(result.head, KEY)).toEqual({
      ok: true,
    });
  });

  it('accepts "Upgrade: WebSocket" in any case (§4.1)', () => {
    expect(checkUpgradeResponse(answer({ upgrade: 'WebSocket' }), KEY)).toEqual({ ok: true });
  });

  it('fails on a status other than 101 (§4.1)', () => {
    expect(checkUpgradeResponse(answer({}, 404), KEY)).toEqual({
      ok: false,
      reason: 'server answered 404 Not Found',
    });
  });

  it('accepts "websocket" with whitespace around it (§4.1)', () => {
    expect(checkUpgradeResponse(answer({ upgrade: ' WEBSOCKET\t' }), KEY)).toEqual({ ok: true });
  });

  it.each([
    'h2c, websocket',
    'websocket, h2c',
    // A header sent twice ("Upgrade: websocket" both times) is read as one, joined with ", ".
    'websocket, websocket',
    'websocket/13',
    'web socket',
  ])('fails on "Upgrade: %s": the value must be exactly "websocket" (§4.1)', (upgrade) => {
    expect(checkUpgradeResponse(answer({ upgrade }), KEY)).toEqual({
      ok: false,
      reason: `Upgrade header is ${JSON.stringify(upgrade)}, not "websocket"`,
    });
  });

  it('fails on an Upgrade header sent twice, as the head reader joins it (§4.1)', () => {
    const text = `${acceptResponse(KEY).trimEnd()}\r\nUpgrade: websocket\r\n\r\n`;
    const result = new ResponseHeadReader().push(Buffer.from(text));
    expect(result.type === 'complete' && checkUpgradeResponse(result.head, KEY)).toEqual({
      ok: false,
      reason: 'Upgrade header is "websocket, websocket", not "websocket"',
    });
  });

  it('fails without an Upgrade header (§4.1)', () => {
    expect(checkUpgradeResponse(answer({ upgrade: undefined }), KEY)).toEqual({
      ok: false,
      reason: 'Upgrade header is missing, not "websocket"',
    });
  });

  it('fails without the Upgrade token in Connection (§4.1)', () => {
    expect(checkUpgradeResponse(answer({ connection: 'keep-alive' }), KEY)).toEqual({
      ok: false,
      reason: 'Connection header is "keep-alive", not "Upgrade"',
    });
  });

  it('fails when Sec-WebSocket-Accept does not match the key (§4.1)', () => {
    const wrong = answer({ 'sec-websocket-accept': acceptKey('AAAAAAAAAAAAAAAAAAAAAA==') });
    expect(checkUpgradeResponse(wrong, KEY)).toEqual({
      ok: false,
      reason: 'Sec-WebSocket-Accept does not match',
    });
  });

  it('fails without Sec-WebSocket-Accept (§4.1)', () => {
    expect(checkUpgradeResponse(answer({ 'sec-websocket-accept': undefined }), KEY)).toEqual({
      ok: false,
      reason: 'Sec-WebSocket-Accept is missing',
    });
  });

  it('fails when the server chose an extension that was not offered (§4.1)', () => {
    const result = checkUpgradeResponse(
      answer({ 'sec-websocket-extensions': 'permessage-deflate' }),
      KEY,
    );
    expect(result).toEqual({
      ok: false,
      reason: 'server chose extension "permessage-deflate", never offered',
    });
  });

  it('fails when the server chose a subprotocol that was not offered (§4.1)', () => {
    const result = checkUpgradeResponse(answer({ 'sec-websocket-protocol': 'chat' }), KEY);
    expect(result).toEqual({ ok: false, reason: 'server chose subprotocol "chat", never offered' });
  });
});
