// hello-server: greets each WebSocket client with its IP address, then echoes - written by hand
// on node:http and `shared`, like native-server.
//
//   pnpm --filter hello-server start             listens on ws://localhost:8080/ws
//   pnpm --filter hello-server start --trace     also prints the handshake and every frame
import { closeOnSignals, exitWithError, readServerOptions } from 'support';
import { createHelloServer } from './server.ts';

try {
  const options = readServerOptions('hello-server', 8080);
  const server = await createHelloServer(options);
  options.log(`hello-server listening on ${server.url}`);
  // Ctrl+C or SIGTERM: close every connection with 1001, then exit.
  closeOnSignals(server, options.log);
} catch (error) {
  exitWithError(error);
}
