import { createNativeServer, type NativeServer } from 'native-server/server';
import { clientAddress, greetingFor, type ServerOptions } from 'support';

/** native-server, plus a greeting for each client and log lines that say who sent what. */
export function createHelloServer(options: ServerOptions): Promise<NativeServer> {
  return createNativeServer(options, {
    // The address TCP sees, never X-Forwarded-For: see greetingFor in shared/conventions.
    greeting: greetingFor,
    receivedFrom: (socket) => `Received from ${clientAddress(socket)}`,
  });
}
