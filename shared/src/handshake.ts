import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * The opening handshake, server side (RFC 6455 §4.2). A client asks, in plain HTTP/1.1:
 *
 *     GET /ws HTTP/1.1
 *     Host: localhost:8082
 *     Upgrade: websocket
 *     Connection: Upgrade
 *     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
 *     Sec-WebSocket-Version: 13
 *
 * and the server agrees with
 *
 *     HTTP/1.1 101 Switching Protocols
 *     Upgrade: websocket
 *     Connection: Upgrade
 *     Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 *
 * after which both sides speak WebSocket frames on the same TCP connection.
 */

/** RFC 6455 §1.3: the fixed GUID a server appends to the client's key. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only protocol version RFC 6455 defines (§4.1). */
export const WEBSOCKET_VERSION = '13';

/**
 * RFC 6455 §4.2.2: Sec-WebSocket-Accept is base64(SHA-1(key + GUID)). It proves the server read
 * this handshake: a plain HTTP server, or a cache replaying an old answer, cannot produce it.
 */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** The parts of an HTTP request the handshake looks at; Node's `IncomingMessage` has them. */
export interface UpgradeRequest {
  method?: string | undefined;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  /**
   * Every header line as sent: name, value, name, value... `headers` keeps only the first of a
   * repeated Host; this list shows them all.
   */
  rawHeaders?: readonly string[] | undefined;
}

export interface UpgradeCheckOptions {
  /**
   * Origins allowed to connect (`https://example.com`). Browsers send the page's origin, so this
   * stops other sites' pages from opening connections with the user's cookies. Other clients can
   * send any Origin they like: it is not authentication. Undefined allows every origin.
   */
  allowedOrigins?: readonly string[] | undefined;
}

export type UpgradeCheck =
  | { ok: true; key: string }
  | { ok: false; status: number; reason: string; headers?: Record<string, string> };

/**
 * Checks a client's opening handshake (RFC 6455 §4.2.1). On success returns the key to answer;
 * otherwise the HTTP status and a one-line reason to refuse it with.
 */
export function checkUpgradeRequest(
  request: UpgradeRequest,
  options: UpgradeCheckOptions = {},
): UpgradeCheck {
  const { headers } = request;
  // §4.1: "The method of the request MUST be GET".
  if (request.method !== 'GET') {
    return { ok: false, status: 405, reason: 'the method must be GET', headers: { Allow: 'GET' } };
  }
  const versionProblem = checkHttpVersion(request);
  if (versionProblem) return refuse(400, versionProblem);
  // §4.1: "The request MUST contain a |Host| header field", and only one, well formed.
  const hostProblem = checkHost(request);
  if (hostProblem) return refuse(400, hostProblem);
  // §4.2.1: an |Upgrade| header field containing the value "websocket", case-insensitive.
  if (!tokens(headers.upgrade).includes('websocket')) {
    return refuse(400, 'the Upgrade header must be "websocket"');
  }
  // §4.2.1: a |Connection| header field that includes the token "Upgrade". Browsers may send
  // more tokens (Firefox sends "keep-alive, Upgrade"), so it is read as a list.
  if (!tokens(headers.connection).includes('upgrade')) {
    return refuse(400, 'the Connection header must include "Upgrade"');
  }
  // §4.2.2: a version the server does not speak is answered with 426 and the versions it does.
  const version = headerValue(headers['sec-websocket-version']);
  if (version !== WEBSOCKET_VERSION) {
    return {
      ok: false,
      status: 426,
      reason: version
        ? `Sec-WebSocket-Version ${version} is not supported; use 13`
        : 'the Sec-WebSocket-Version header is missing; use 13',
      // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to in Upgrade, and §7.8: whoever
      // sends Upgrade sends Connection: Upgrade with it.
      headers: {
        'Sec-WebSocket-Version': WEBSOCKET_VERSION,
        Upgrade: 'websocket',
        Connection: 'Upgrade',
      },
    };
  }
  // §4.1: the key is "a randomly selected 16-byte value that has been base64-encoded".
  const key = headerValue(headers['sec-websocket-key']);
  if (!key) return refuse(400, 'the Sec-WebSocket-Key header is missing');
  if (!isHandshakeKey(key)) return refuse(400, 'Sec-WebSocket-Key must be 16 bytes in base64');
  // §10.2: servers may refuse browsers' connections from origins they do not expect.
  if (options.allowedOrigins) {
    const origin = headerValue(headers.origin);
    if (!origin || !options.allowedOrigins.includes(origin)) {
      return refuse(403, `origin ${origin ?? '(none)'} is not allowed`);
    }
  }
  return { ok: true, key };
}

/**
 * What is wrong with the request's HTTP version for an opening handshake, or undefined when it
 * is right. RFC 6455 §4.1: "the HTTP version MUST be at least 1.1"; and RFC 9110 §7.8: "A server
 * MUST ignore an Upgrade header field that is received in an HTTP/1.0 request". Exported for the
 * servers built on `ws`, which would answer HTTP/1.0 with a 101: support's `refuseBadTarget`
 * calls it before `ws` sees the request.
 */
export function checkHttpVersion(request: Pick<UpgradeRequest, 'httpVersion'>): string | undefined {
  const [major = 0, minor = 0] = request.httpVersion.split('.').map(Number);
  if (major < 1 || (major === 1 && minor < 1)) return 'HTTP/1.1 or later is required';
  return undefined;
}

// RFC 3986 §3.2.2 and §3.2.3: a host is an IP literal in brackets, or a name (or IPv4 address)
// made of unreserved characters, %-escapes and sub-delimiters; then, optionally, ":" and a port.
const IP_LITERAL = /^\[([0-9A-Fa-f:.]+)\](?::\d*)?$/;
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+(?::\d*)?$/;

/**
 * What is wrong with the request's Host header, or undefined when it is right. RFC 9110 §7.2:
 * a request carries exactly one Host, whose value is the host and port of the URL asked for
 * (RFC 3986 §3.2.2); a server "MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
 * request message that lacks a Host header field and to any request message that contains more
 * than one Host header field line or a Host header field with an invalid field value". Two
 * different Hosts let a proxy route a request by one and a server read the other.
 */
export function checkHost(
  request: Pick<UpgradeRequest, 'headers' | 'rawHeaders'>,
): string | undefined {
  const raw = request.rawHeaders;
  if (raw) {
    let count = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'host') count++;
    if (count > 1) return `the Host header is sent ${count} times; once is the rule`;
  }
  const host = headerValue(request.headers.host);
  if (!host) return 'the Host header is missing';
  const literal = IP_LITERAL.exec(host);
  const valid = literal ? isIPv6(literal[1] ?? '') : REG_NAME.test(host);
  if (!valid) return `the Host header ${JSON.stringify(host)} is not a host name and port`;
  return undefined;
}

/** True when `key` is the base64 encoding of exactly 16 bytes (and nothing else). */
export function isHandshakeKey(key: string): boolean {
  const bytes = Buffer.from(key, 'base64');
  return bytes.length === 16 && bytes.toString('base64') === key;
}

/**
 * The 101 answer that completes the handshake. No Sec-WebSocket-Extensions or
 * Sec-WebSocket-Protocol header: offers of either are declined by leaving them out (§4.2.2).
 */
export function acceptResponse(key: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    '\r\n'
  );
}

/** A complete plain-text HTTP response that refuses an upgrade, for writing to the raw socket. */
export function refusalResponse(
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): string {
  const body = `${reason}\n`;
  const { Connection: connection, ...others } = headers;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    // The socket is closed after the answer; a 426 also says Upgrade here (see above).
    `Connection: ${connection ? `${connection}, close` : 'close'}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(others).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function refuse(status: number, reason: string): UpgradeCheck {
  return { ok: false, status, reason };
}

/** One header's value; a header sent twice counts as invalid for the handshake's single values. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** A comma-separated header as lowercase tokens: "keep-alive, Upgrade" -> ["keep-alive", "upgrade"]. */
export function tokens(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}
