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
  // 1. --trace: the request as it arrived, every header line in the order it was sent.
  if (options.trace) {
    log.info(`${peer} >> ${request.method} ${request.url} HTTP/${request.httpVersion}`);
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      log.info(`${peer} >>   ${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    }
  }

  // 2. The rules of §4.2.1 (method, version, Host, Upgrade, Connection, Sec-WebSocket-Version
  //    and -Key, and Origin when ALLOWED_ORIGINS is set): checkUpgradeRequest in
  //    shared/src/handshake.ts. A broken one is refused with its HTTP status and the reason.
  const check = checkUpgradeRequest(request, { allowedOrigins: options.allowedOrigins });
  if (!check.ok) {
    log.event?.(`refused ${peer}: ${check.status} ${check.reason}`);
    refuseUpgrade(socket, check.status, check.reason, check.headers);
    return false;
  }

  // 3. 101 Switching Protocols, with Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2).
  const response = acceptResponse(check.key);
  if (options.trace) {
    for (const line of response.trimEnd().split('\r\n')) log.info(`${peer} <<   ${line}`);
  }
  socket.write(response);
  return true;
}
