import { createEchoServer, type EchoServer } from 'echo-server/server';
import { clientAddress, greetingFor, type ServerOptions } from 'shared/conventions';

/** echo-server, plus a greeting for each client and log lines that say who sent what. */
export function createHelloServer(options: ServerOptions): Promise<EchoServer> {
  return createEchoServer(options, {
    // The address TCP sees, never X-Forwarded-For: see greetingFor in shared/conventions.
    greeting: (request) => greetingFor(request.socket),
    receivedFrom: (request) => `Received from ${clientAddress(request.socket)}`,
  });
}
