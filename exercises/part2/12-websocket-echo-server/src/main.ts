// echo-server: a WebSocket server, built with the `ws` library, that sends every message back.
//
//   pnpm --filter echo-server start          listens on ws://localhost:8080/ws
//   PORT=9000 pnpm --filter echo-server start
//   pnpm --filter echo-server start --help   every option
import { exitWithError, readServerOptions } from 'support';
import { createEchoServer, DEFAULT_PORT, HEARTBEAT_INTERVAL_MS, MAX_PAYLOAD } from './server.ts';

/** After Ctrl+C or SIGTERM the program exits within this time, whatever happens. */
const EXIT_DEADLINE_MS = 2000;

try {
  // 1. The settings, from flags and environment variables (`--help` lists them), over the
  //    dials at the top of src/server.ts.
  const options = readServerOptions({
    name: 'echo-server',
    about: 'a WebSocket server, built with the ws library, that sends every message back',
    example: 'PORT=9000 pnpm --filter echo-server start --quiet',
    port: DEFAULT_PORT,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxPayload: MAX_PAYLOAD,
    handWritten: false,
  });
  // 2. Start the server (src/server.ts) and say where it listens.
  const server = await createEchoServer(options);
  options.log(`echo-server listening on ${server.url}`);
  // 3. Ctrl+C (SIGINT) or SIGTERM: close every connection with 1001, then exit 0. The server's
  //    close() bounds its wait for the clients; the deadline also covers a close that goes wrong.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.log(`${signal}: closing every connection with 1001 (server shutting down)`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  exitWithError(error);
}
