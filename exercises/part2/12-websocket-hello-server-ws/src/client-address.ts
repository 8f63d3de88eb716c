import { isIPv4, type Socket } from 'node:net';

/**
 * The client's IP address as TCP sees it, written as a person would: `127.0.0.1`, `::1`.
 *
 * A server listening on IPv6 sees an IPv4 client as an IPv4-mapped IPv6 address,
 * `::ffff:127.0.0.1` (RFC 4291 §2.5.5.2); that is shown as the IPv4 address it stands for.
 *
 * Never the X-Forwarded-For header. A reverse proxy adds it to name the client it forwards, but
 * any client can send it too, with any address in it: it may be believed only on connections
 * that come from a proxy you run yourself. This server has no proxy in front of it.
 */
export function clientAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown'; // undefined once the socket is gone
  const mapped = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : undefined;
  return mapped !== undefined && isIPv4(mapped) ? mapped : address;
}
