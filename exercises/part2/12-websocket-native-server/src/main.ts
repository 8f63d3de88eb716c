// native-server: a WebSocket echo server written by hand on node:http, following RFC 6455.
//
//   pnpm --filter native-server start            listens on ws://localhost:8082/ws
//   pnpm --filter native-server start --trace    also prints the handshake and every frame
import { closeOnSignals, exitWithError, readServerOptions } from 'support';
import { createNativeServer } from './server.ts';

try {
  const options = readServerOptions('native-server', 8082);
  const server = await createNativeServer(options);
  options.log(`native-server listening on ${server.url}`);
  // Ctrl+C or SIGTERM: close every connection with 1001, then exit.
  closeOnSignals(server, options.log);
} catch (error) {
  exitWithError(error);
}
