import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { acceptResponse, checkUpgradeRequest } from 'shared';
import { type Log, refuseUpgrade } from 'support';

export interface UpgradeOptions {
  allowedOrigins: readonly string[] | undefined;
  trace: boolean;
  log: Log;
  peer: string;
}

/**
 * The opening handshake on the server (RFC 6455 §4.2): Node's HTTP server has parsed the request
 * and handed us its socket. Check the request; answer 101 Switching Protocols, or refuse it with
 * an HTTP status that says why. Returns true when the socket now speaks WebSocket.
 */
export function answerUpgrade(
  request: IncomingMessage,
  socket: Socket,
  options: UpgradeOptions,
): boolean {
  const { log, peer } = options;
  if (options.trace) {
    const headers = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      headers.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    }
    log.info(`${peer} >> ${request.method} ${request.url} HTTP/${request.httpVersion}`);
    for (const header of headers) log.info(`${peer} >>   ${header}`);
  }

  const check = checkUpgradeRequest(request, { allowedOrigins: options.allowedOrigins });
  if (!check.ok) {
    log.event?.(`refused ${peer}: ${check.status} ${check.reason}`);
    refuseUpgrade(socket, check.status, check.reason, check.headers);
    return false;
  }

  const response = acceptResponse(check.key);
  if (options.trace) {
    for (const line of response.trimEnd().split('\r\n')) log.info(`${peer} <<   ${line}`);
  }
  socket.write(response);
  return true;
}
