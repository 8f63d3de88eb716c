// echo-server: a WebSocket server, built with the `ws` library, that sends every message back.
//
//   pnpm --filter echo-server start          listens on ws://localhost:8080/ws
//   PORT=9000 pnpm --filter echo-server start
import { closeOnSignals, exitWithError, readServerOptions } from 'support';
import { createEchoServer } from './server.ts';

try {
  const options = readServerOptions('echo-server', 8080);
  const server = await createEchoServer(options);
  options.log(`echo-server listening on ${server.url}`);
  // Ctrl+C or SIGTERM: close every connection with 1001, then exit.
  closeOnSignals(server, options.log);
} catch (error) {
  exitWithError(error);
}
