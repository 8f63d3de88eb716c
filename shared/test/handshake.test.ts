import { describe, expect, it } from 'vitest';
import { ResponseHeadReader } from '../src/client-handshake.ts';
import {
  acceptKey,
  acceptResponse,
  checkUpgradeRequest,
  refusalResponse,
  tokens,
  type UpgradeRequest,
} from '../src/handshake.ts';

// The sample handshake of RFC 6455 §1.3.
const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** The request of RFC 6455 §1.2, as Node's `IncomingMessage` presents it, with some headers changed. */
function request(
  headers: Record<string, string | string[] | undefined> = {},
  overrides: Partial<UpgradeRequest> = {},
): UpgradeRequest {
  return {
    method: 'GET',
    httpVersion: '1.1',
    headers: {
      host: 'server.example.com',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': RFC_KEY,
      'sec-websocket-version': '13',
      ...headers,
    },
    ...overrides,
  };
}

/** The status a request is refused with, or 'ok'. */
function statusOf(upgrade: UpgradeRequest, allowedOrigins?: string[]): number | 'ok' {
  const check = checkUpgradeRequest(upgrade, { allowedOrigins });
  return check.ok ? 'ok' : check.status;
}

/** base64 of `count` bytes: a key of the wrong size. */
function keyOfBytes(count: number): string {
  return Buffer.alloc(count, 7).toString('base64');
}

describe('acceptKey', () => {
  it('answers the key dGhlIHNhbXBsZSBub25jZQ== with s3pPLMBiTxaQ9kYGzzhZRbK+xOo= (§1.3)', () => {
    expect(acceptKey(RFC_KEY)).toBe(RFC_ACCEPT);
  });
});

describe('checkUpgradeRequest (§4.2.1)', () => {
  it('accepts the sample request and returns its key (§4.2.1)', () => {
    expect(checkUpgradeRequest(request())).toEqual({ ok: true, key: RFC_KEY });
  });

  it('refuses a method other than GET with 405 and "Allow: GET" (§4.1)', () => {
    const check = checkUpgradeRequest(request({}, { method: 'POST' }));
    expect(check).toMatchObject({ ok: false, status: 405, headers: { Allow: 'GET' } });
  });

  it('refuses HTTP/1.0 with 400 (§4.1: "HTTP version MUST be at least 1.1")', () => {
    expect(statusOf(request({}, { httpVersion: '1.0' }))).toBe(400);
  });

  it('refuses a request without Host with 400 (§4.1)', () => {
    expect(statusOf(request({ host: undefined }))).toBe(400);
  });

  it('accepts "Upgrade: WebSocket": the value is case-insensitive (§4.2.1)', () => {
    expect(statusOf(request({ upgrade: 'WebSocket' }))).toBe('ok');
  });

  it('refuses a request without Upgrade with 400 (§4.2.1)', () => {
    expect(statusOf(request({ upgrade: undefined }))).toBe(400);
  });

  it('refuses an upgrade to another protocol with 400 (§4.2.1)', () => {
    expect(statusOf(request({ upgrade: 'h2c' }))).toBe(400);
  });

  it('accepts "Connection: keep-alive, Upgrade", as Firefox sends it (§4.2.1)', () => {
    expect(statusOf(request({ connection: 'keep-alive, Upgrade' }))).toBe('ok');
  });

  it('refuses a request without Connection with 400 (§4.2.1)', () => {
    expect(statusOf(request({ connection: undefined }))).toBe(400);
  });

  it('refuses "Connection: keep-alive" without the Upgrade token with 400 (§4.2.1)', () => {
    expect(statusOf(request({ connection: 'keep-alive' }))).toBe(400);
  });

  it('refuses a request without Sec-WebSocket-Version with 426 and "Sec-WebSocket-Version: 13" (§4.2.2)', () => {
    const check = checkUpgradeRequest(request({ 'sec-websocket-version': undefined }));
    expect(check).toMatchObject({
      ok: false,
      status: 426,
      headers: { 'Sec-WebSocket-Version': '13' },
    });
  });

  it('refuses version 8 with 426 and "Sec-WebSocket-Version: 13" (§4.2.2)', () => {
    const check = checkUpgradeRequest(request({ 'sec-websocket-version': '8' }));
    expect(check).toMatchObject({
      ok: false,
      status: 426,
      headers: { 'Sec-WebSocket-Version': '13' },
    });
  });

  it('names the protocol in a 426: Upgrade: websocket, Connection: Upgrade (RFC 9110 §15.5.22, §7.8)', () => {
    const check = checkUpgradeRequest(request({ 'sec-websocket-version': '8' }));
    expect(check).toMatchObject({ headers: { Upgrade: 'websocket', Connection: 'Upgrade' } });
  });

  it('refuses a Host header sent twice with 400, as rawHeaders shows it (RFC 9110 §7.2)', () => {
    const rawHeaders = ['Host', 'localhost', 'host', 'other.example', 'Upgrade', 'websocket'];
    const check = checkUpgradeRequest(request({}, { rawHeaders }));
    expect(check).toMatchObject({
      ok: false,
      status: 400,
      reason: 'the Host header is sent 2 times; once is the rule',
    });
  });

  it('refuses a Host header sent twice with the same value with 400 (RFC 9110 §7.2)', () => {
    // RFC 9112 §3.2: a server MUST answer 400 to "any request message that contains more than
    // one Host header field line": more than one line, even when the values agree.
    const rawHeaders = ['Host', 'localhost', 'Host', 'localhost', 'Upgrade', 'websocket'];
    const check = checkUpgradeRequest(request({ host: 'localhost' }, { rawHeaders }));
    expect(check).toMatchObject({
      ok: false,
      status: 400,
      reason: 'the Host header is sent 2 times; once is the rule',
    });
  });

  it.each(['a b c', 'x@y/z?', 'host:port', '[::1', '[not-an-ip]', 'ex ample.com:80'])(
    'refuses the malformed Host %j with 400 (RFC 9110 §7.2, RFC 3986 §3.2.2)',
    (host) => {
      expect(statusOf(request({ host }))).toBe(400);
    },
  );

  it.each([
    'localhost',
    'localhost:8082',
    '127.0.0.1:80',
    '[::1]:8082',
    '[::1]',
    'xn--caf-dma.example',
  ])('accepts the Host %j (RFC 3986 §3.2.2)', (host) => {
    expect(statusOf(request({ host }))).toBe('ok');
  });

  it('refuses a request without Sec-WebSocket-Key with 400 (§4.1)', () => {
    expect(statusOf(request({ 'sec-websocket-key': undefined }))).toBe(400);
  });

  it('refuses a key of 15 bytes with 400 (§4.1: "a randomly selected 16-byte value")', () => {
    expect(statusOf(request({ 'sec-websocket-key': keyOfBytes(15) }))).toBe(400);
  });

  it('refuses a key of 17 bytes with 400 (§4.1)', () => {
    expect(statusOf(request({ 'sec-websocket-key': keyOfBytes(17) }))).toBe(400);
  });

  it('refuses a key that is not base64 with 400 (§4.1)', () => {
    expect(statusOf(request({ 'sec-websocket-key': 'this is not base64!!!!==' }))).toBe(400);
  });

  it('refuses the sample key without its "==" padding with 400 (§4.1)', () => {
    expect(statusOf(request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ' }))).toBe(400);
  });

  it('refuses a key header sent twice, which Node joins as "a, b", with 400 (§4.1)', () => {
    const twice = `${RFC_KEY}, ${keyOfBytes(16)}`;
    expect(statusOf(request({ 'sec-websocket-key': twice }))).toBe(400);
  });

  it('refuses an origin that is not in allowedOrigins with 403 (§10.2)', () => {
    const upgrade = request({ origin: 'https://evil.example' });
    expect(statusOf(upgrade, ['https://good.example'])).toBe(403);
  });

  it('refuses a request without Origin when allowedOrigins is set, with 403 (§10.2)', () => {
    expect(statusOf(request(), ['https://good.example'])).toBe(403);
  });

  it('accepts an origin that is in allowedOrigins (§10.2)', () => {
    const upgrade = request({ origin: 'https://good.example' });
    expect(statusOf(upgrade, ['https://good.example'])).toBe('ok');
  });
});

describe('acceptResponse (§4.2.2)', () => {
  const response = acceptResponse(RFC_KEY);

  it('is a 101 Switching Protocols with Upgrade and Connection headers (§4.2.2)', () => {
    expect(response.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(response).toContain('\r\nUpgrade: websocket\r\n');
    expect(response).toContain('\r\nConnection: Upgrade\r\n');
  });

  it('carries Sec-WebSocket-Accept computed from the key (§4.2.2)', () => {
    expect(response).toContain(`\r\nSec-WebSocket-Accept: ${RFC_ACCEPT}\r\n`);
  });

  it('ends with the blank line that ends an HTTP head (§4.2.2)', () => {
    expect(response.endsWith('\r\n\r\n')).toBe(true);
    expect(response.indexOf('\r\n\r\n')).toBe(response.length - 4);
  });

  it('declines extensions and subprotocols by naming none (§4.2.2)', () => {
    expect(response.toLowerCase()).not.toContain('sec-websocket-extensions');
    expect(response.toLowerCase()).not.toContain('sec-websocket-protocol');
  });
});

describe('refusalResponse', () => {
  /** Reads a response's head and body with the client's own head reader. */
  function readResponse(text: string) {
    const result = new ResponseHeadReader().push(Buffer.from(text));
    if (result.type !== 'complete') throw new Error(`not a complete response: ${result.type}`);
    return { ...result.head, body: result.rest.toString() };
  }

  it('is an HTTP response with the status, its text and the reason as the body (§4.2.2)', () => {
    const response = readResponse(refusalResponse(400, 'the Host header is missing'));
    expect(response.status).toBe(400);
    expect(response.statusText).toBe('Bad Request');
    expect(response.body).toBe('the Host header is missing\n');
  });

  it('has a Content-Length that matches its body in bytes, even for non-ASCII text (§4.2.2)', () => {
    const response = readResponse(
      refusalResponse(403, 'origin https://café.example is not allowed'),
    );
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
  });

  it('includes the extra headers it is given (§4.2.2)', () => {
    const response = readResponse(
      refusalResponse(426, 'use 13', { 'Sec-WebSocket-Version': '13' }),
    );
    expect(response.headers['sec-websocket-version']).toBe('13');
  });

  it('asks to close the connection (§4.2.2)', () => {
    expect(readResponse(refusalResponse(405, 'GET only')).headers.connection).toBe('close');
  });

  it('joins a Connection it is given with close: one Connection header (RFC 9110 §7.6.1)', () => {
    const text = refusalResponse(426, 'use 13', { Upgrade: 'websocket', Connection: 'Upgrade' });
    expect(text.match(/^connection:/gim)).toHaveLength(1);
    const { headers } = readResponse(text);
    expect([headers.upgrade, headers.connection]).toEqual(['websocket', 'Upgrade, close']);
  });
});

describe('tokens', () => {
  it('reads a comma-separated header as lowercase tokens (§4.2.1)', () => {
    expect(tokens('keep-alive, Upgrade')).toEqual(['keep-alive', 'upgrade']);
  });

  it('joins a header sent several times (§4.2.1)', () => {
    expect(tokens(['keep-alive', ' Upgrade '])).toEqual(['keep-alive', 'upgrade']);
  });
});
