import { createHash, randomBytes } from 'node:crypto';
import { fieldValues, type ResponseHead, tokensOf } from './http.ts';

/** RFC 6455 §1.3: the GUID a server appends to the client's key before hashing it. */
export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** §4.2.2: Sec-WebSocket-Accept is base64(SHA-1(key + GUID)). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** §4.1: a fresh random 16-byte value, base64-encoded, for every connection. */
export function randomKey(): string {
  return randomBytes(16).toString('base64');
}

/** The headers of a valid upgrade request, in the order browsers send them. */
export function upgradeHeaders(host: string, key: string): [string, string][] {
  return [
    ['Host', host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
  ];
}

/** What the client offered, which the 101 may take up (and nothing else). */
export interface Offer {
  protocols?: string[];
  extensions?: string[];
}

/** A rule of the server's 101 that was broken: its section, and what is wrong. */
export interface Problem {
  section: string;
  text: string;
}

/**
 * Checks a 101 the way RFC 6455 §4.1 has a client check it (the client "MUST _Fail the WebSocket
 * Connection_" on each of these), and §4.2.2, which says what the server sends. An empty list:
 * the handshake is complete.
 */
export function checkSwitch(head: ResponseHead, key: string, offer: Offer = {}): Problem[] {
  const problems: Problem[] = [];
  const problem = (section: string, text: string) => problems.push({ section, text });
  if (head.status !== 101) problem('4.2.2', `the status is ${head.status}, not 101`);
  if (head.version !== 'HTTP/1.1') {
    problem('4.2.2', `the status line says ${head.version || 'no version'}, not HTTP/1.1`);
  }
  for (const malformed of head.malformed) problem('RFC 9112 2.2', malformed);
  const upgrade = fieldValues(head, 'Upgrade');
  if (upgrade.length !== 1 || upgrade[0]?.toLowerCase() !== 'websocket') {
    problem('4.2.2', `Upgrade is ${quote(upgrade)}, not "websocket"`);
  }
  if (!tokensOf(fieldValues(head, 'Connection')).includes('upgrade')) {
    problem('4.2.2', `Connection is ${quote(fieldValues(head, 'Connection'))}: no "Upgrade" token`);
  }
  const accept = fieldValues(head, 'Sec-WebSocket-Accept');
  if (accept.length !== 1 || accept[0] !== acceptFor(key)) {
    problem(
      '4.2.2',
      `Sec-WebSocket-Accept is ${quote(accept)}; for the key ${key} it must be ${acceptFor(key)}`,
    );
  }
  const extensions = tokensOf(fieldValues(head, 'Sec-WebSocket-Extensions')).map(
    (extension) => extension.split(';')[0]?.trim() ?? '',
  );
  const offeredExtensions = (offer.extensions ?? []).map((name) => name.toLowerCase());
  for (const extension of extensions) {
    if (!offeredExtensions.includes(extension)) {
      problem('4.2.2', `the 101 accepts the extension "${extension}", which was not offered`);
    }
  }
  const protocols = tokensOf(fieldValues(head, 'Sec-WebSocket-Protocol'));
  if (protocols.length > 1) problem('4.2.2', `the 101 selects ${protocols.length} subprotocols`);
  for (const protocol of protocols) {
    if (!(offer.protocols ?? []).map((name) => name.toLowerCase()).includes(protocol)) {
      problem('4.2.2', `the 101 selects the subprotocol "${protocol}", which was not offered`);
    }
  }
  return problems;
}

function quote(values: string[]): string {
  if (values.length === 0) return 'missing';
  return values.map((value) => JSON.stringify(value)).join(' and ');
}
