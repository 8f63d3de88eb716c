import { acceptFor } from '../wire/handshake.ts';
import { fieldValues, type RequestHead, tokensOf } from '../wire/http.ts';

/**
 * The checker's answers to a client's upgrade request: the 101 a correct server sends, and the
 * broken ones the cases send instead, line by line.
 */

/** A response head: the status line and the headers, in order. */
export interface ResponseSpec {
  /** `HTTP/1.1 101 Switching Protocols` */
  statusLine: string;
  headers: [string, string][];
}

export function responseBytes(spec: ResponseSpec): Buffer {
  const lines = [spec.statusLine, ...spec.headers.map(([name, value]) => `${name}: ${value}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The key the request carries (the first, if it has several); empty without one. */
export function requestKey(head: RequestHead): string {
  return fieldValues(head, 'Sec-WebSocket-Key')[0] ?? '';
}

/** The subprotocols the request offers, in its order (case kept). */
export function offeredProtocols(head: RequestHead): string[] {
  return fieldValues(head, 'Sec-WebSocket-Protocol')
    .flatMap((value) => value.split(','))
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

/** The extensions the request offers, by name, lowercased. */
export function offeredExtensions(head: RequestHead): string[] {
  return tokensOf(fieldValues(head, 'Sec-WebSocket-Extensions')).map(
    (offer) => offer.split(';')[0]?.trim() ?? '',
  );
}

/**
 * The 101 a correct server sends (§4.2.2): Upgrade, Connection, and Sec-WebSocket-Accept for the
 * request's key. The checker speaks no extension, so it takes up none; a client that asks for
 * subprotocols gets the first it offered, since a client may fail a connection that selects none
 * of those it needs (§4.1).
 */
export function switchingResponse(head: RequestHead): ResponseSpec {
  const protocol = offeredProtocols(head)[0];
  return {
    statusLine: 'HTTP/1.1 101 Switching Protocols',
    headers: [
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Accept', acceptFor(requestKey(head))],
      ...(protocol ? ([['Sec-WebSocket-Protocol', protocol]] as [string, string][]) : []),
    ],
  };
}

/** The valid 101 with one header changed, removed (value undefined) or added. */
export function changed(spec: ResponseSpec, name: string, value: string | undefined): ResponseSpec {
  const index = spec.headers.findIndex(([header]) => header.toLowerCase() === name.toLowerCase());
  const headers: [string, string][] =
    value === undefined
      ? spec.headers.filter((_, i) => i !== index)
      : index === -1
        ? [...spec.headers, [name, value]]
        : spec.headers.map((header, i) => (i === index ? [name, value] : header));
  return { ...spec, headers };
}
