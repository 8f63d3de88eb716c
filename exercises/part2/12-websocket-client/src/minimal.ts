// The client at its smallest, with the `ws` library: connect, say Hello, print the answer, close.
//
//   pnpm --filter client start:minimal                            ws://localhost:8080/ws
//   pnpm --filter client start:minimal ws://localhost:9000/ws
//
// What it leaves out, and src/main.ts adds: hellos on a timer, --count and the other options,
// a time limit on the handshake and a 2-second one on the closing handshake, one-line failures
// with exit codes, Ctrl+C, wss:// with a private CA (--ca, --insecure), and escaping what the
// server sent before printing it.
import { WebSocket } from 'ws';

const url = process.argv[2] ?? 'ws://localhost:8080/ws';
const ws = new WebSocket(url); // ws sends the upgrade request and checks the 101 answer

ws.on('open', () => ws.send('Hello'));

ws.on('message', (data) => {
  console.log(`Received: ${data.toString()}`);
  // One answer is all this version waits for: start the closing handshake (1000, Normal Closure).
  ws.close(1000);
});

// Once both close frames have gone by and the connection has ended. Nothing is left to wait
// for, so the program ends.
ws.on('close', (code) => console.log(`Closed: code ${code}`));
