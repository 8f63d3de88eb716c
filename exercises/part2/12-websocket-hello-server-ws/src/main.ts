// hello-server-ws: greets each WebSocket client with its IP address, then echoes (the `ws` library).
//
//   pnpm --filter hello-server-ws start      listens on ws://localhost:8080/ws
import { closeOnSignals, exitWithError, readServerOptions } from 'support';
import { createHelloServer } from './server.ts';

try {
  const options = readServerOptions('hello-server-ws', 8080);
  const server = await createHelloServer(options);
  options.log(`hello-server-ws listening on ${server.url}`);
  // Ctrl+C or SIGTERM: close every connection with 1001, then exit.
  closeOnSignals(server, options.log);
} catch (error) {
  exitWithError(error);
}
