// A plain TCP echo server: every byte back as it came, no WebSocket at all. It shows what the
// machine and the load generator can do at best, the upper bound for the WebSocket servers.
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.pipe(socket);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`tcp-echo listening on tcp://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
