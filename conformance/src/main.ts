/**
 * `pnpm conformance <ws-or-wss-url> [options]`: checks a WebSocket server against RFC 6455.
 * See the README, or run with --help.
 */
import { main } from './cli.ts';

const status = await main(process.argv.slice(2), {
  stdout: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  // pnpm runs the script in the package's folder; INIT_CWD is where the command was typed.
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
process.exitCode = status;
// Every connection is closed by now; should anything still hold the event loop, do not hang.
setTimeout(() => process.exit(status), 1000).unref();
