// native-client: a terminal WebSocket client written by hand on node:net and `shared`.
// Each line you type is sent as a text message; every message that arrives is printed.
//
//   pnpm --filter native-client start                      connects to ws://localhost:8082/ws
//   pnpm --filter native-client start ws://localhost:8080/ws --trace
//   printf 'a\nb\n' | pnpm --filter native-client start    sends two lines, then closes
import { exitWithError } from 'support';
import { processTerminal, runClient } from './client.ts';
import { readClientOptions } from './options.ts';

try {
  const options = readClientOptions(process.argv.slice(2));
  process.exit(await runClient(options, processTerminal()));
} catch (error) {
  exitWithError(error);
}
