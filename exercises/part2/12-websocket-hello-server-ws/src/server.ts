import type { IncomingMessage } from 'node:http';
import { createEchoServer, type EchoServer } from 'echo-server/server';
import { clientAddress, type ServerOptions } from 'shared/conventions';

/**
 * The greeting names the address the connection comes from, as TCP sees it: the bare IP, no
 * port. A client behind a proxy shows as the proxy. `X-Forwarded-For` would name the original
 * client, but any client can send that header with any address in it, so it is believed only
 * from a proxy you run yourself - never here.
 */
export function greeting(request: IncomingMessage): string {
  return `Hello! Your IP is ${clientAddress(request.socket)}`;
}

/** echo-server, plus a greeting for each client and log lines that say who sent what. */
export function createHelloServer(options: ServerOptions): Promise<EchoServer> {
  return createEchoServer(options, {
    greeting,
    receivedFrom: (request) => `Received from ${clientAddress(request.socket)}`,
  });
}
