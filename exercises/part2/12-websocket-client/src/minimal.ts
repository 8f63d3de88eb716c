// The client at its smallest, with the `ws` library: connect, say hello every second, print what
// comes back, and on Ctrl+C close with 1000 and wait for the server's close.
//
//   pnpm --filter client start:minimal                            ws://localhost:8080/ws
//   pnpm --filter client start:minimal ws://localhost:9000/ws
//
// What it leaves out, and src/main.ts adds: --interval, --count and the other options, a time
// limit on the handshake and on the closing handshake, one-line failures and exit codes that
// say how the connection ended, SIGTERM, wss:// with a private CA (--ca, --insecure), and
// escaping what the server sent before printing it.
import { WebSocket } from 'ws';

const url = process.argv[2] ?? 'ws://localhost:8080/ws';
const ws = new WebSocket(url); // ws sends the upgrade request and checks the 101 answer

// Say hello now, then every second, without waiting for answers: a WebSocket carries messages
// both ways at once.
let timer: NodeJS.Timeout | undefined;
ws.on('open', () => {
  const hello = () => ws.send(`Hello at ${new Date().toISOString()}`);
  hello();
  timer = setInterval(hello, 1000);
});

// Each message, whenever it comes.
ws.on('message', (data) => console.log(`Received: ${data.toString()}`));

// Ctrl+C: rather than vanish, stop saying hello and start the closing handshake with 1000
// (Normal Closure), then wait for the server's close frame. `once`: a second Ctrl+C gets Node's
// default and ends the program at once.
process.once('SIGINT', () => {
  clearInterval(timer);
  ws.close(1000);
});

// The end: both close frames have gone by and TCP has ended, whoever closed first (ws answers a
// server's close frame by itself). Nothing is left to wait for, so the program ends.
ws.on('close', (code) => {
  clearInterval(timer);
  console.log(`Closed: code ${code}`);
});
