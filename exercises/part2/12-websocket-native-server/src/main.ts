// native-server: a WebSocket echo server written by hand on node:http, following RFC 6455.
//
//   pnpm --filter native-server start            listens on ws://localhost:8082/ws
//   pnpm --filter native-server start --trace    also prints the handshake and every frame
//   pnpm --filter native-server start --help     every option
//
// src/minimal.ts is the same idea in one page; this is the version that handles everything.
import { exitWithError, readServerOptions } from 'support';
import {
  createNativeServer,
  DEFAULT_PORT,
  HEARTBEAT_INTERVAL_MS,
  MAX_PAYLOAD,
  SHUTDOWN_CODE,
  SHUTDOWN_REASON,
} from './server.ts';

/** After Ctrl+C or SIGTERM the program exits within this time, whatever happens. */
const EXIT_DEADLINE_MS = 2000;

try {
  // The settings, from flags and environment variables (`--help` lists them), over the dials
  // at the top of src/server.ts.
  const options = readServerOptions({
    name: 'native-server',
    about: 'a WebSocket echo server written by hand on node:http, following RFC 6455',
    example: 'pnpm --filter native-server start --trace',
    port: DEFAULT_PORT,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxPayload: MAX_PAYLOAD,
    handWritten: true,
  });
  const server = await createNativeServer(options);
  options.log(`native-server listening on ${server.url}`);

  // Ctrl+C (SIGINT) or SIGTERM (what `kill` and container runtimes send): close every
  // connection with 1001, then exit 0. server.close() bounds its own wait for the clients; the
  // deadline also covers a close that goes wrong. A second signal while closing changes nothing.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    options.log(`${signal}: closing every connection with ${SHUTDOWN_CODE} (${SHUTDOWN_REASON})`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  exitWithError(error);
}
