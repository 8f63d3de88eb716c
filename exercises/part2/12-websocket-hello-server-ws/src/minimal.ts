// hello-server-ws, the minimal version: echo-server's minimal version plus a greeting. As soon as
// a client connects, before it sends anything, the server tells it its IP address.
//
//   pnpm --filter hello-server-ws start:minimal          listens on ws://localhost:8080/ws
//   PORT=9000 pnpm --filter hello-server-ws start:minimal
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 8080);

// ws listens by itself and answers the upgrade requests for /ws.
const wss = new WebSocketServer({ port, host: 'localhost', path: '/ws' }, () => {
  const { port } = wss.address() as AddressInfo; // the real one, when PORT=0 picked it
  console.log(`hello-server-ws (minimal) listening on ws://localhost:${port}/ws`);
});

wss.on('connection', (ws, request) => {
  // A client that breaks a rule (an unmasked frame, bad UTF-8) gets the right close code from
  // ws, and its connection reports an 'error'. An 'error' that nobody listens for ends the whole
  // process, and every other client with it: so listen.
  ws.on('error', (error) => console.log(`error: ${error.message}`));
  // The address at the other end of the TCP connection, as it is. Listening on one loopback
  // address, this is 127.0.0.1 or ::1; the full version also writes an IPv4 client seen on an
  // IPv6 socket, ::ffff:127.0.0.1, as 127.0.0.1 (support's peerAddress).
  ws.send(`Hello! Your IP is ${request.socket.remoteAddress}`);
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
});
