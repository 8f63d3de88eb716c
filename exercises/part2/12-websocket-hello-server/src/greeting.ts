import type { Socket } from 'node:net';

/**
 * The client's IP address, as a person would write it: `127.0.0.1`, `::1`.
 *
 * It is `socket.remoteAddress`: the other end of the TCP connection, which the client cannot
 * make up (it would never get our answers). A server listening on an IPv6 socket sees an IPv4
 * client as an IPv4-mapped address, `::ffff:127.0.0.1` (RFC 4291 §2.5.5.2); that is shown as the
 * IPv4 address it is.
 *
 * Never the `X-Forwarded-For` header. A reverse proxy sets it to name the client it forwards, but
 * any client can send it too, with any address it likes: it may be believed only when it comes
 * from a proxy you run yourself, and this server has none. Behind a proxy, TCP would name the
 * proxy - which is the truth.
 */
export function clientAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The first message of every connection, before the client has said anything. */
export function greetingFor(address: string): string {
  return `Hello! Your IP is ${address}`;
}
