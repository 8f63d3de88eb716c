import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { checkUpgradeResponse, ResponseHeadReader, upgradeRequest } from 'shared';
import {
  describeCertificateError,
  describeConnectError,
  ExpectedError,
  trustedCertificates,
} from 'support';

export interface HandshakeOptions {
  /** Milliseconds the server gets to answer, counted from the first connection attempt. */
  timeout: number;
  /** Prints the request and the answer, for --trace. */
  trace: ((line: string) => void) | undefined;
  /** wss: a CA to trust besides the usual ones. */
  ca: Buffer | undefined;
  /** wss: skip the certificate check. */
  insecure: boolean;
}

/**
 * The opening handshake, client side (RFC 6455 §4.1): open TCP (and TLS, for wss://), send the
 * upgrade request with a fresh random key, read the answer and check it. Resolves with the
 * socket, now speaking WebSocket, and any bytes the server sent right after its answer; fails
 * with one line that says what went wrong.
 */
export function openWebSocket(
  url: URL,
  options: HandshakeOptions,
): Promise<{ socket: Socket; rest: Buffer }> {
  // A URL writes an IPv6 address in brackets ([::1]); the socket wants it without.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = url.protocol === 'wss:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const { trace } = options;

  return new Promise((resolve, reject) => {
    // 1. Open TCP to the URL's host and port. wss:// is the same protocol inside TLS: the
    //    certificate must be signed by a trusted CA and name the host we asked for (servername,
    //    which also tells the server which site we want).
    const socket = secure
      ? connectTls({
          host,
          port,
          servername: isIP(host) ? undefined : host,
          ca: trustedCertificates(options),
          rejectUnauthorized: !options.insecure,
        })
      : connect({ host, port });
    const reader = new ResponseHeadReader();
    let key = '';

    // 2. Every failure from here on is one line, and the server gets `options.timeout` ms in
    //    all to answer: a server that accepts TCP and then says nothing does not keep us waiting.
    const fail = (message: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ExpectedError(message));
    };
    const timer = setTimeout(
      () => fail(`handshake failed: no answer within ${options.timeout / 1000} s`),
      options.timeout,
    );
    socket.once('error', (error) => {
      const certificate = describeCertificateError(error);
      fail(
        certificate
          ? `certificate not trusted: ${certificate}`
          : `cannot connect to ${url.href}: ${describeConnectError(error)}`,
      );
    });
    socket.once('close', () => fail('handshake failed: the server closed the connection'));

    // 3. Connected: send the upgrade request (shared/src/client-handshake.ts), with a fresh key.
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      // The Host header carries the port only when it is not the scheme's default: url.host.
      const request = upgradeRequest({ host: url.host, path: `${url.pathname}${url.search}` });
      key = request.key;
      if (trace) for (const line of request.request.trimEnd().split('\r\n')) trace(`<< ${line}`);
      socket.write(request.request);
    });
    // 4. Read the answer as it arrives, up to the blank line (ResponseHeadReader), and check it
    //    (checkUpgradeResponse): 101, Upgrade, Connection, and Sec-WebSocket-Accept, which must
    //    be base64(SHA-1(key + GUID)).
    socket.on('data', onData);
    function onData(chunk: Buffer) {
      const result = reader.push(chunk);
      if (result.type === 'incomplete') return;
      if (result.type === 'invalid') return fail(`handshake failed: ${result.reason}`);
      const { head, rest } = result;
      if (trace) {
        trace(`>> HTTP/1.1 ${head.status} ${head.statusText}`);
        for (const [name, value] of Object.entries(head.headers)) trace(`>> ${name}: ${value}`);
      }
      const check = checkUpgradeResponse(head, key);
      if (!check.ok) return fail(`handshake failed: ${check.reason}`);
      // 5. Done: from here on, the caller reads the socket. Paused, so that no byte is lost
      //    before it listens.
      clearTimeout(timer);
      socket.off('data', onData);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.pause();
      resolve({ socket, rest });
    }
  });
}
