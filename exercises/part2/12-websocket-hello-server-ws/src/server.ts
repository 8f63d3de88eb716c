import { createEchoServer } from 'echo-server/server';
import { clientAddress, greetingFor, type RunningServer, type ServerOptions } from 'support';

/** echo-server, plus a greeting for each client and log lines that say who sent what. */
export function createHelloServer(options: ServerOptions): Promise<RunningServer> {
  return createEchoServer(options, {
    // The address TCP sees, never X-Forwarded-For: see greetingFor in shared/conventions.
    greeting: greetingFor,
    receivedFrom: (socket) => `Received from ${clientAddress(socket)}`,
  });
}
