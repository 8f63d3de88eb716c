import { randomBytes } from 'node:crypto';
import { acceptKey, headerValue, tokens, WEBSOCKET_VERSION } from './handshake.ts';

/**
 * The opening handshake, client side (RFC 6455 §4.1): write the request, read the server's
 * answer, and check it before speaking WebSocket.
 */

/** RFC 6455 §4.1: the key is "a randomly selected 16-byte value that has been base64-encoded". */
export function randomHandshakeKey(): string {
  return randomBytes(16).toString('base64');
}

export interface UpgradeRequestOptions {
  /** The Host header: host name, and the port if it is not the scheme's default. */
  host: string;
  /** The path and query to ask for, such as `/ws?room=1`. */
  path: string;
  /** A fixed key, for tests; by default a fresh random one. */
  key?: string;
}

/** The HTTP request that asks the server to switch to WebSocket, and the key it carries. */
export function upgradeRequest(options: UpgradeRequestOptions): { key: string; request: string } {
  const key = options.key ?? randomHandshakeKey();
  const request =
    `GET ${options.path} HTTP/1.1\r\n` +
    `Host: ${options.host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: ${WEBSOCKET_VERSION}\r\n` +
    '\r\n';
  return { key, request };
}

/** The status line and headers of an HTTP response; header names in lowercase. */
export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Record<string, string>;
}

export type HeadReadResult =
  | { type: 'incomplete' }
  /** `rest` is what came after the blank line: the first WebSocket bytes, if any. */
  | { type: 'complete'; head: ResponseHead; rest: Buffer }
  | { type: 'invalid'; reason: string };

/** An answer to a handshake fits in a few hundred bytes; a server sending more is not one. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n');

/** Reads an HTTP response head from bytes that arrive in chunks, up to 16 KiB. */
export class ResponseHeadReader {
  #received = Buffer.alloc(0);

  push(chunk: Buffer): HeadReadResult {
    // Keep at most what a head may take, plus one chunk: that bounds memory for any server.
    this.#received = Buffer.concat([this.#received, chunk]);
    const end = this.#received.indexOf(HEAD_END);
    if ((end === -1 ? this.#received.length : end) > MAX_RESPONSE_HEAD_BYTES) {
      this.#received = Buffer.alloc(0);
      return {
        type: 'invalid',
        reason: `response headers are over ${MAX_RESPONSE_HEAD_BYTES} bytes`,
      };
    }
    if (end === -1) return { type: 'incomplete' };
    const rest = this.#received.subarray(end + HEAD_END.length);
    const head = parseHead(this.#received.subarray(0, end).toString('latin1'));
    this.#received = Buffer.alloc(0);
    if (typeof head === 'string') return { type: 'invalid', reason: head };
    return { type: 'complete', head, rest };
  }
}

/** Parses "HTTP/1.1 101 Switching Protocols" and the header lines after it; a string is an error. */
function parseHead(text: string): ResponseHead | string {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.\d (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) return `not an HTTP/1.1 response: ${JSON.stringify(statusLine.slice(0, 60))}`;
  const malformed = (line: string) => `malformed header line: ${JSON.stringify(line.slice(0, 60))}`;

  // First the header fields in the order they came, with folded lines put back together...
  const fields: { name: string; value: string }[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // RFC 7230 §3.2.4: a line that starts with SP or HTAB continues the value of the line
      // before (obs-fold), and a user agent "MUST replace each received obs-fold with one or more
      // SP octets prior to interpreting the field value". Right after the status line there is
      // no value to continue (RFC 7230 §3: such a message may be rejected as invalid).
      const previous = fields.at(-1);
      if (previous === undefined) return malformed(line);
      previous.value = `${previous.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return malformed(line);
    fields.push({
      name: line.slice(0, colon).trim().toLowerCase(),
      value: line.slice(colon + 1).trim(),
    });
  }
  // ...then one value per name: a header sent twice is joined with ", " (RFC 9110 §5.3).
  const headers: Record<string, string> = {};
  for (const { name, value } of fields) {
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers };
}

export type UpgradeResponseCheck = { ok: true } | { ok: false; reason: string };

/** Checks the server's answer to our request with `key` (RFC 6455 §4.1, "the client MUST ..."). */
export function checkUpgradeResponse(head: ResponseHead, key: string): UpgradeResponseCheck {
  const { headers } = head;
  // "If the status code received from the server is not 101, the client handles the response per
  // HTTP procedures": for us, the handshake failed.
  if (head.status !== 101) {
    return { ok: false, reason: `server answered ${head.status} ${head.statusText}`.trimEnd() };
  }
  // "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a
  // value that is not an ASCII case-insensitive match for the value "websocket", the client MUST
  // _Fail the WebSocket Connection_." The whole value, then, not one token of a list: "h2c,
  // websocket" fails, and so does an Upgrade header sent twice (joined with ", " above).
  if (headerValue(headers.upgrade)?.toLowerCase() !== 'websocket') {
    return { ok: false, reason: `Upgrade header is ${describe(headers.upgrade)}, not "websocket"` };
  }
  // The same for a |Connection| header field without the token "Upgrade".
  if (!tokens(headers.connection).includes('upgrade')) {
    return {
      ok: false,
      reason: `Connection header is ${describe(headers.connection)}, not "Upgrade"`,
    };
  }
  // "If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept|
  // contains a value other than the base64-encoded SHA-1 of the concatenation of the
  // |Sec-WebSocket-Key| ... with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" ..."
  const accept = headerValue(headers['sec-websocket-accept']);
  if (accept === undefined) return { ok: false, reason: 'Sec-WebSocket-Accept is missing' };
  if (accept !== acceptKey(key))
    return { ok: false, reason: 'Sec-WebSocket-Accept does not match' };
  // "If the response includes a |Sec-WebSocket-Extensions| header field and this header field
  // indicates the use of an extension that was not present in the client's handshake ..." - and
  // the same for |Sec-WebSocket-Protocol|. This client offers neither.
  const extensions = headerValue(headers['sec-websocket-extensions']);
  if (extensions)
    return { ok: false, reason: `server chose extension "${extensions}", never offered` };
  const protocol = headerValue(headers['sec-websocket-protocol']);
  if (protocol)
    return { ok: false, reason: `server chose subprotocol "${protocol}", never offered` };
  return { ok: true };
}

function describe(value: string | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
