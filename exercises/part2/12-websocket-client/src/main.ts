// client: a WebSocket client for the terminal, built with the `ws` library. It says hello every
// second and prints whatever the server sends. (src/minimal.ts is the same idea at its smallest.)
//
//   pnpm --filter client start                        connects to ws://localhost:8080/ws
//   pnpm --filter client start ws://localhost:9000/ws --interval 200 --count 5
//   pnpm --filter client start --help                 every option
import { exitWithError } from 'support';
import { connect } from './client.ts';
import { readClientOptions } from './options.ts';

try {
  // The command line (src/options.ts); a mistake there is one line and exit code 2.
  const options = readClientOptions(process.argv.slice(2));
  // The connection itself, in numbered steps: src/client.ts.
  const client = connect(options);
  // Ctrl+C or SIGTERM: end with a close frame (step 5 in src/client.ts) instead of just
  // vanishing. `once`: a second Ctrl+C gets Node's default and ends the program right away.
  process.once('SIGINT', () => client.close('stopped with SIGINT'));
  process.once('SIGTERM', () => client.close('stopped with SIGTERM'));
  await client.done;
  process.exit(0);
} catch (error) {
  // A bad option (exit 2), a server we cannot reach or that ended badly (exit 1): one line.
  exitWithError(error);
}
