import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { checkHost } from 'shared';

/**
 * What a request is aimed at - its host and its path - and whether this server answers for that
 * host.
 *
 * A server on localhost is reachable from every web page its user opens, and the browser's
 * same-origin rule does not keep them out. Through DNS rebinding, a page from
 * http://attacker.example:8082/ has its name pointed at 127.0.0.1 once it is loaded: its next
 * requests reach this server, and to the browser they are same-origin requests of
 * attacker.example, whose answers the page may read. What the browser cannot hide is the name it
 * asked for: the Host header says `attacker.example:8082`. So a server that listens on loopback
 * answers only requests for a loopback name (`isLoopbackName`), whatever their path - the page,
 * /inspect, /ws - and refuses the rest with 421 (see MISDIRECTED). The development servers of
 * webpack and Vite learned this the same way (their `allowedHosts`).
 *
 * A server opened to the network on purpose (HOST=0.0.0.0, HOST=::, or an address of the
 * machine) is reached by names this one cannot know, so it takes any well-formed Host.
 */

/**
 * RFC 9110 §15.5.20, 421 Misdirected Request: "the request was directed at a server that is
 * unable or unwilling to produce an authoritative response for the target URI" - which is what
 * this refusal says: the request is for attacker.example, and this server does not speak for
 * attacker.example. webpack-dev-server and Vite answer 403 Forbidden, but 403 says "you may not",
 * and here it already means "your Origin is not allowed" (ALLOWED_ORIGINS): 421 tells the two
 * rules apart. No browser retries a 421 on HTTP/1.1, and nothing would change if one did.
 */
export const MISDIRECTED = 421;

/** What a request is aimed at: the path it asks for, and the host it asks it of, if it names one. */
export interface RequestTarget {
  /** The path, without the query: `/ws`. `*` for `OPTIONS *`. */
  path: string;
  /**
   * The host (and port) named by a target in absolute form, `GET http://localhost:8082/ws`; such
   * a request is for that host, whatever its Host header says (RFC 9112 §3.2.2). Undefined for
   * the usual form, a path: then the Host header names it.
   */
  host: string | undefined;
}

/**
 * The request's target (RFC 9112 §3.2): a path (`/ws?x=1`), a URL (`http://host/ws`, the absolute
 * form a client speaking to a proxy sends), or `*`. Undefined for anything else.
 */
export function requestTarget(request: Pick<IncomingMessage, 'url'>): RequestTarget | undefined {
  const target = request.url ?? '';
  if (target === '*') return { path: '*', host: undefined };
  if (target.startsWith('/')) {
    // A path, put after a fixed origin to read it as a URL does: /a/../ws is /ws. Never
    // `new URL(target, base)`: that would read //other.example/ws as another host, not a path.
    return { path: new URL(`http://localhost${target}`).pathname, host: undefined };
  }
  const url = URL.canParse(target) ? new URL(target) : undefined;
  if (url === undefined || url.host === '') return undefined;
  return { path: url.pathname, host: url.host };
}

/**
 * True for the names that can only mean this machine, with any port: `localhost`, any name
 * ending in `.localhost` (RFC 6761 §6.3: browsers answer those themselves with a loopback
 * address, never asking DNS, so DNS rebinding cannot use them), an address in 127.0.0.0/8, and
 * `[::1]`. Read as a browser reads the host of a URL: `LOCALHOST` is `localhost`.
 */
export function isLoopbackName(host: string): boolean {
  const url = URL.canParse(`http://${host}`) ? new URL(`http://${host}`) : undefined;
  // A host and a port, nothing else: `localhost@other.example` names other.example.
  if (url === undefined || `${url.username}${url.password}${url.search}${url.hash}` !== '')
    return false;
  if (url.pathname !== '/') return false;
  const name = url.hostname;
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    (isIPv4(name) && name.startsWith('127.'))
  );
}

/** True when HOST (undefined: both loopback addresses, the default) is a loopback address or name. */
export function listensOnLoopback(host: string | undefined): boolean {
  if (host === undefined) return true;
  // HOST is an address without brackets: ::1, not [::1].
  return isLoopbackName(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}

/** A status and one line that say why a request is refused. */
export interface Refusal {
  status: number;
  reason: string;
}

/**
 * Whether this server answers a request for the host it names - undefined - or the status and
 * one-line reason to refuse it with:
 *   400  no Host header, two of them, or a malformed one (`checkHost` in shared, RFC 9110 §7.2);
 *        a target that is neither a path nor a URL with a host
 *   421  the server listens on loopback (`listeningOn`, the HOST it was given), and the request
 *        is for a name that is not loopback: in its Host header, or in its target in absolute
 *        form (RFC 9112 §3.2.2 - the host a server reads then)
 */
export function refusalForHost(
  request: Pick<IncomingMessage, 'url' | 'headers' | 'rawHeaders'>,
  listeningOn: string | undefined,
): Refusal | undefined {
  const hostProblem = checkHost(request);
  if (hostProblem) return { status: 400, reason: hostProblem };
  const target = requestTarget(request);
  if (target === undefined) {
    return { status: 400, reason: 'the request target must be a path, such as /ws, or a URL' };
  }
  if (!listensOnLoopback(listeningOn)) return undefined;
  for (const host of [request.headers.host, target.host]) {
    if (host !== undefined && !isLoopbackName(host)) {
      const reason =
        `this server listens on loopback and answers for localhost only, not for ` +
        `${JSON.stringify(host)} (see HOST in the README)`;
      return { status: MISDIRECTED, reason };
    }
  }
  return undefined;
}
