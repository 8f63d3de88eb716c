import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkHttpVersion, checkUpgradeRequest, refusalResponse } from 'shared';
import { ExpectedError } from './errors.ts';
import { INSPECT_PATH, type Inspectors } from './inspector.ts';
import { type Page, playgroundPage } from './playground.ts';
import { refusalForHost, requestTarget } from './target.ts';
import type { TlsFiles } from './tls.ts';

/** Every server in the lesson speaks WebSocket at this path. */
export const WEBSOCKET_PATH = '/ws';

/** Request heads (the upgrade request included) larger than this are refused with 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The HTTP server every exercise starts from: WebSocket connections begin as HTTP requests.
 * Plain requests get `answerHttpRequest`; upgrade requests are the caller's (its 'upgrade' event,
 * which calls `refuseBadTarget` first). With a certificate it is an HTTPS server: the same
 * requests, inside TLS, and wss:// URLs.
 *
 * `host` is where the server listens (HOST; undefined for both loopback addresses): listening on
 * loopback, it answers only requests for a loopback name (target.ts).
 *
 * A server that gives `inspectors` (the hand-written ones, which see every frame) serves the page
 * with its frame inspector, and the pages' subscriptions at /inspect/<id> - unless the inspector
 * is off (`--no-inspector`): then the page says so. The others (the `ws` ones, whose library
 * keeps frames to itself) serve the page that says that.
 */
export function createHttpServer(options: {
  name: string;
  host?: string | undefined;
  handshakeTimeout: number;
  tls: TlsFiles | undefined;
  inspectors?: Inspectors | undefined;
}): Server {
  const inspectors = options.inspectors?.enabled ? options.inspectors : undefined;
  const frames = inspectors ? 'inspector' : options.inspectors ? 'off' : 'library';
  const site: Site = { page: playgroundPage(options.name, frames), inspectors, host: options.host };
  const settings = {
    // A socket must send its whole request head (for us: the upgrade request) within the
    // handshake timeout; Node answers 408 and closes it otherwise. Node checks every
    // `connectionsCheckingInterval` ms, so the timeout holds to within that.
    headersTimeout: options.handshakeTimeout,
    requestTimeout: options.handshakeTimeout,
    connectionsCheckingInterval: Math.min(1000, options.handshakeTimeout),
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const answer = (request: IncomingMessage, response: ServerResponse) =>
    answerHttpRequest(request, response, site);
  if (options.tls === undefined) return createServer(settings, answer);
  // An https.Server is an http.Server that speaks TLS first: same events, same requests.
  try {
    return createHttpsServer({ ...settings, ...options.tls }, answer);
  } catch (error) {
    // Node reads the certificate and key here; a file that is not PEM, or a key that does not
    // belong to the certificate, fails now.
    throw new ExpectedError(
      `the TLS certificate or key is not usable: ${(error as Error).message}`,
      2,
    );
  }
}

/** The path of a request, without its query string (see `requestTarget`). */
export function requestPath(request: Pick<IncomingMessage, 'url'>): string {
  return requestTarget(request)?.path ?? '';
}

/** What a server serves over plain HTTP, and where it listens. */
export interface Site {
  page: Page;
  /** Undefined: no /inspect (a `ws` server, or the inspector is off). */
  inspectors: Inspectors | undefined;
  /** HOST; undefined for both loopback addresses. */
  host: string | undefined;
}

/**
 * Plain HTTP, without an upgrade:
 *   any request for a host this server does not answer for: 421 (400 for a malformed Host; see
 *                      refusalForHost in target.ts)
 *   GET /              the browser playground page
 *   GET /ws            426 Upgrade Required: this URL speaks WebSocket, not plain HTTP
 *                      (400 and what is wrong, for a request that tried to upgrade but got it wrong)
 *   GET /inspect/<id>  a page's frame inspector, with `inspectors` (see inspector.ts)
 *   anything           404 Not Found
 */
export function answerHttpRequest(
  request: IncomingMessage,
  response: ServerResponse,
  site: Site,
): void {
  const refusal = refusalForHost(request, site.host);
  if (refusal) {
    response.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`${refusal.reason}\n`);
    return;
  }
  const path = requestPath(request);
  const { inspectors } = site;
  if (path === '/') {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Only GET and HEAD here.\n');
      return;
    }
    response.writeHead(200, site.page.headers);
    response.end(request.method === 'HEAD' ? undefined : site.page.body);
    return;
  }
  if (inspectors && path.startsWith(INSPECT_PATH)) {
    inspectors.subscribe(request, response, path.slice(INSPECT_PATH.length));
    return;
  }
  if (path === WEBSOCKET_PATH && request.headers.upgrade !== undefined) {
    // An upgrade request that Node did not treat as one (without "Connection: Upgrade", say):
    // tell the client what is wrong with its handshake.
    const check = checkUpgradeRequest(request);
    const { status, reason, headers } = check.ok
      ? { status: 400, reason: 'the Connection header must include "Upgrade"', headers: {} }
      : check;
    response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`${reason}\n`);
    return;
  }
  if (path === WEBSOCKET_PATH) {
    // RFC 9110 §15.5.22: a 426 response MUST carry an Upgrade header naming the protocol needed,
    // and §7.8: whoever sends Upgrade sends Connection: Upgrade with it.
    response.writeHead(426, {
      'Content-Type': 'text/plain; charset=utf-8',
      Upgrade: 'websocket',
      Connection: 'Upgrade',
    });
    response.end(
      `${WEBSOCKET_PATH} speaks WebSocket: connect with a WebSocket client, not plain HTTP.\n`,
    );
    return;
  }
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`Not found. The WebSocket endpoint is ${WEBSOCKET_PATH}.\n`);
}

/**
 * Refuses an upgrade request with a plain HTTP response on the raw socket, then closes it.
 * (After an 'upgrade' event the socket is ours: Node's HTTP server no longer writes to it.)
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  headers?: Record<string, string>,
): void {
  socket.end(refusalResponse(status, reason, headers), () => socket.destroy());
}

/**
 * Refuses an upgrade request this server cannot take, before any WebSocket rule - and before
 * `ws` sees it, for the servers built on it. Returns true when it refused:
 *   400  HTTP/1.0 (`checkHttpVersion` in shared: RFC 6455 §4.1 asks for HTTP/1.1 or later);
 *        a Host header that is missing, repeated or malformed (`checkHost`, RFC 9110 §7.2)
 *   421  listening on loopback, a request for a host that is not loopback (target.ts)
 *   404  any path but /ws
 * `listening.host` is where the server listens (HOST; undefined for both loopback addresses):
 * pass the server's options.
 */
export function refuseBadTarget(
  request: IncomingMessage,
  socket: Duplex,
  listening: { host: string | undefined } = { host: undefined },
): boolean {
  const versionProblem = checkHttpVersion(request);
  if (versionProblem) {
    refuseUpgrade(socket, 400, versionProblem);
    return true;
  }
  const refusal = refusalForHost(request, listening.host);
  if (refusal) {
    refuseUpgrade(socket, refusal.status, refusal.reason);
    return true;
  }
  const path = requestPath(request);
  if (path === WEBSOCKET_PATH) return false;
  refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}; use ${WEBSOCKET_PATH}`);
  return true;
}
