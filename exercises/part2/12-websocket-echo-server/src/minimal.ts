// echo-server, the minimal version: the lesson's first example, and one listener more. Every
// message goes straight back to its sender with its type: text as text, binary as binary.
//
//   pnpm --filter echo-server start:minimal          listens on ws://localhost:8080/ws
//   PORT=9000 pnpm --filter echo-server start:minimal
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 8080);

// ws listens by itself and answers the upgrade requests for /ws.
const wss = new WebSocketServer({ port, host: 'localhost', path: '/ws' }, () => {
  const { port } = wss.address() as AddressInfo; // the real one, when PORT=0 picked it
  console.log(`echo-server (minimal) listening on ws://localhost:${port}/ws`);
});

wss.on('connection', (ws) => {
  // A client that breaks a rule (an unmasked frame, bad UTF-8) gets the right close code from
  // ws, and its connection reports an 'error'. An 'error' that nobody listens for ends the whole
  // process, and every other client with it: so listen.
  ws.on('error', (error) => console.log(`error: ${error.message}`));
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
});
