// Opens many idle WebSocket connections and holds them: `node --import tsx src/idle.ts PORT N`.
// Prints "ready" once all are open, then waits to be killed.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { upgradeRequest } from 'shared';
import { readHead } from 'support/testing/raw-client';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
// Connections opened at a time: enough to be quick, few enough for the server's accept queue.
const AT_ONCE = 100;

async function openOne(): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' }).request);
  const { head } = await readHead(socket);
  if (head.status !== 101) throw new Error(`handshake refused: ${head.status}`);
  // Keep reading (a greeting, pings), as a real idle client would.
  socket.resume();
  return socket;
}

const sockets: Socket[] = [];
for (let opened = 0; opened < count; opened += AT_ONCE) {
  const batch = Math.min(AT_ONCE, count - opened);
  sockets.push(...(await Promise.all(Array.from({ length: batch }, openOne))));
}
console.log(`ready ${sockets.length}`);
process.on('SIGTERM', () => process.exit(0));
