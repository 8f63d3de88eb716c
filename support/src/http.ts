import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkHost, checkUpgradeRequest, refusalResponse } from 'shared';
import { ExpectedError } from './errors.ts';
import { INSPECT_PATH, type Inspectors } from './inspector.ts';
import { type Page, playgroundPage } from './playground.ts';
import type { TlsFiles } from './tls.ts';

/** Every server in the lesson speaks WebSocket at this path. */
export const WEBSOCKET_PATH = '/ws';

/** Request heads (the upgrade request included) larger than this are refused with 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The HTTP server every exercise starts from: WebSocket connections begin as HTTP requests.
 * Plain requests get `answerHttpRequest`; upgrade requests are the caller's (its 'upgrade' event).
 * With a certificate it is an HTTPS server: the same requests, inside TLS, and wss:// URLs.
 *
 * A server that gives `inspectors` (the hand-written ones, which see every frame) serves the page
 * with its frame inspector, and the pages' subscriptions at /inspect/<id>; the others (the `ws`
 * ones, whose library keeps frames to itself) serve the page that says so.
 */
export function createHttpServer(options: {
  name: string;
  handshakeTimeout: number;
  tls: TlsFiles | undefined;
  inspectors?: Inspectors | undefined;
}): Server {
  const { inspectors } = options;
  const page = playgroundPage(options.name, inspectors ? 'inspector' : 'library');
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
    answerHttpRequest(request, response, page, inspectors);
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

/** The path of a request, without its query string. */
export function requestPath(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://localhost').pathname;
}

/**
 * Plain HTTP, without an upgrade:
 *   GET /              the browser playground page
 *   GET /ws            426 Upgrade Required: this URL speaks WebSocket, not plain HTTP
 *                      (400 and what is wrong, for a request that tried to upgrade but got it wrong)
 *   GET /inspect/<id>  a page's frame inspector, with `inspectors` (see inspector.ts)
 *   anything           404 Not Found
 */
export function answerHttpRequest(
  request: IncomingMessage,
  response: ServerResponse,
  page: Page,
  inspectors?: Inspectors,
): void {
  if (requestPath(request) === '/') {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Only GET and HEAD here.\n');
      return;
    }
    response.writeHead(200, page.headers);
    response.end(request.method === 'HEAD' ? undefined : page.body);
    return;
  }
  if (inspectors && requestPath(request).startsWith(INSPECT_PATH)) {
    inspectors.subscribe(request, response, requestPath(request).slice(INSPECT_PATH.length));
    return;
  }
  if (requestPath(request) === WEBSOCKET_PATH && request.headers.upgrade !== undefined) {
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
  if (requestPath(request) === WEBSOCKET_PATH) {
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
 * Refuses an upgrade request this server cannot take, before any WebSocket rule: 400 for a Host
 * header that is missing, repeated or malformed (`checkHost` in `shared`, RFC 9110 §7.2), 404
 * for any path but /ws. Returns true when it refused.
 */
export function refuseBadTarget(request: IncomingMessage, socket: Duplex): boolean {
  const hostProblem = checkHost(request);
  if (hostProblem) {
    refuseUpgrade(socket, 400, hostProblem);
    return true;
  }
  if (requestPath(request) === WEBSOCKET_PATH) return false;
  refuseUpgrade(
    socket,
    404,
    `no WebSocket endpoint at ${requestPath(request)}; use ${WEBSOCKET_PATH}`,
  );
  return true;
}
