// native-client: a terminal WebSocket client written by hand on node:net and `shared`.
// Each line you type is sent as a text message; every message that arrives is printed.
// (src/minimal.ts is one conversation, written out byte by byte, at its smallest.)
//
//   pnpm --filter native-client start                      connects to ws://localhost:8082/ws
//   pnpm --filter native-client start ws://localhost:8080/ws --trace
//   printf 'a\nb\n' | pnpm --filter native-client start    sends two lines, then closes
//   pnpm --filter native-client start --help               every option
import { exitWithError } from 'support';
import { runClient } from './client.ts';
import { readClientOptions } from './options.ts';
import { processTerminal } from './terminal.ts';

try {
  // The command line (src/options.ts); a mistake there is one line and exit code 2.
  const options = readClientOptions(process.argv.slice(2));
  // The connection, in numbered steps (src/client.ts), resolves with the exit code.
  process.exit(await runClient(options, processTerminal()));
} catch (error) {
  // A failed handshake or a server we cannot reach: one line, exit code 1.
  exitWithError(error);
}
