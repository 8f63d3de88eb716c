import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkHttpVersion, checkUpgradeRequest, refusalResponse } from 'shared';
import { ExpectedError } from './errors.ts';
import { INSPECT_PATH, type Inspectors } from './inspector.ts';
import type { Page } from './playground.ts';
import { refusalForHost, requestTarget } from './target.ts';
import type { TlsFiles } from './tls.ts';

/** Request heads (the upgrade request included) larger than this are refused with 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** What a server answers a plain HTTP request with: its own routes (see the exercises). */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The HTTP server every exercise starts from: WebSocket connections begin as HTTP requests. The
 * exercise decides what is where: `answer` gets the plain requests, and its 'upgrade' listener
 * the upgrade requests (which calls `refuseBadRequest` first). With a certificate it is an HTTPS
 * server: the same requests, inside TLS, and wss:// URLs.
 *
 * Before `answer` sees a request, support answers what no exercise teaches:
 *   any request for a host this server does not answer for: 421 (400 for a malformed Host; see
 *                      refusalForHost in target.ts)
 *   GET /inspect/<id>  a page's frame inspector, with `inspectors` (see inspector.ts)
 *
 * `host` is where the server listens (HOST; undefined for both loopback addresses): listening on
 * loopback, it answers only requests for a loopback name (target.ts). A server that gives
 * `inspectors` (the hand-written ones, which see every frame) serves the pages' subscriptions at
 * /inspect/<id> - unless the inspector is off (`--no-inspector`).
 */
export function createHttpServer(
  options: {
    host?: string | undefined;
    handshakeTimeout: number;
    tls: TlsFiles | undefined;
    inspectors?: Inspectors | undefined;
  },
  answer: RequestHandler,
): Server {
  const inspectors = options.inspectors?.enabled ? options.inspectors : undefined;
  const settings = {
    // A socket must send its whole request head (for us: the upgrade request) within the
    // handshake timeout; Node answers 408 and closes it otherwise. Node checks every
    // `connectionsCheckingInterval` ms, so the timeout holds to within that.
    headersTimeout: options.handshakeTimeout,
    requestTimeout: options.handshakeTimeout,
    connectionsCheckingInterval: Math.min(1000, options.handshakeTimeout),
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const refusal = refusalForHost(request, options.host);
    if (refusal) {
      response.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${refusal.reason}\n`);
      return;
    }
    const path = requestPath(request);
    if (inspectors && path.startsWith(INSPECT_PATH)) {
      inspectors.subscribe(request, response, path.slice(INSPECT_PATH.length));
      return;
    }
    answer(request, response);
  };
  if (options.tls === undefined) return createServer(settings, onRequest);
  // An https.Server is an http.Server that speaks TLS first: same events, same requests.
  try {
    return createHttpsServer({ ...settings, ...options.tls }, onRequest);
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

/** The browser page (playground.ts) for GET and HEAD; 405 for another method. */
export function servePage(request: IncomingMessage, response: ServerResponse, page: Page): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('Only GET and HEAD here.\n');
    return;
  }
  response.writeHead(200, page.headers);
  response.end(request.method === 'HEAD' ? undefined : page.body);
}

/**
 * A plain request for a path that speaks WebSocket: 426 Upgrade Required. Or, for a request that
 * tried to upgrade but got it wrong (`Upgrade` without "Connection: Upgrade", which Node does not
 * treat as an upgrade), 400 and what is wrong with its handshake.
 */
export function upgradeRequired(request: IncomingMessage, response: ServerResponse): void {
  if (request.headers.upgrade !== undefined) {
    const check = checkUpgradeRequest(request);
    const { status, reason, headers } = check.ok
      ? { status: 400, reason: 'the Connection header must include "Upgrade"', headers: {} }
      : check;
    response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`${reason}\n`);
    return;
  }
  // RFC 9110 §15.5.22: a 426 response MUST carry an Upgrade header naming the protocol needed,
  // and §7.8: whoever sends Upgrade sends Connection: Upgrade with it.
  response.writeHead(426, {
    'Content-Type': 'text/plain; charset=utf-8',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
  });
  response.end(
    `${requestPath(request)} speaks WebSocket: connect with a WebSocket client, not plain HTTP.\n`,
  );
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
 * Refuses an upgrade request no server should take, before its path or any WebSocket rule - and
 * before `ws` sees it, for the servers built on it. Returns true when it refused:
 *   400  HTTP/1.0 (`checkHttpVersion` in shared: RFC 6455 §4.1 asks for HTTP/1.1 or later);
 *        a Host header that is missing, repeated or malformed (`checkHost`, RFC 9110 §7.2)
 *   421  listening on loopback, a request for a host that is not loopback (target.ts)
 * `listening.host` is where the server listens (HOST; undefined for both loopback addresses):
 * pass the server's options.
 */
export function refuseBadRequest(
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
  return false;
}
