import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** The server to check, from its ws:// or wss:// URL. */
export interface Target {
  url: string;
  secure: boolean;
  /** The host to connect to (an IPv6 address without its brackets). */
  host: string;
  port: number;
  /** What the Host header carries: `localhost:8082`, `[::1]:8082` (RFC 9110 §7.2). */
  hostHeader: string;
  /** The request target: path and query, `/ws`. */
  path: string;
}

/** The target of a URL, or a sentence saying what is wrong with it. */
export function parseTarget(text: string): Target | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(text)} is not a URL; give one like ws://localhost:8082/ws`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return `${text} is not a ws:// or wss:// URL`;
  }
  if (url.hash) return `${text}: a WebSocket URL has no #fragment (RFC 6455 §3)`;
  const secure = url.protocol === 'wss:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    url: url.href,
    secure,
    host,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    hostHeader: url.host,
    path: `${url.pathname}${url.search}`,
  };
}

/**
 * Opens TCP (and TLS for wss://) to the target. Rejects with a one-line reason: refused, no such
 * host, a certificate not trusted, nothing within the timeout.
 */
export function openSocket(target: Target, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.secure
      ? connectTls({
          host: target.host,
          port: target.port,
          // SNI names a host, never an address (RFC 6066 §3).
          ...(isIP(target.host) ? {} : { servername: target.host }),
        })
      : connectTcp({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${target.hostHeader} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(explainConnectError(target, error)));
    });
  });
}

function explainConnectError(target: Target, error: NodeJS.ErrnoException): string {
  const where = `${target.host}:${target.port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `nothing listens on ${where} (connection refused): is the server running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${target.host} is not known`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the certificate of ${where} is signed by a CA this checker does not trust; trust it with NODE_EXTRA_CA_CERTS=path/to/ca.pem`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate of ${where} is not for ${target.host}`;
    case 'CERT_HAS_EXPIRED':
      return `the certificate of ${where} has expired`;
    default:
      return `cannot connect to ${where}: ${error.message}`;
  }
}
