// A plain TCP echo server: every byte back as it came, no WebSocket at all. It shows what the
// machine and the load generator can do at best, the upper bound for the WebSocket servers.
//
// Each chunk is written back as soon as it is read, and reading stops only when more than
// WRITE_LIMIT bytes wait to be written, the same limit as the servers' (their
// WRITE_BUFFER_LIMIT). `socket.pipe(socket)` would stop reading whenever 16 KiB wait (the
// stream's highWaterMark): with 1 MiB messages it paced itself, and `ws` + bufferutil outran it.
import { createServer } from 'node:net';

/** Bytes waiting to be written above which reading stops until they drain: 4 MiB. */
const WRITE_LIMIT = 4 * 1024 * 1024;

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    socket.write(chunk);
    if (socket.writableLength > WRITE_LIMIT) socket.pause();
  });
  socket.on('drain', () => socket.resume());
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`tcp-echo listening on tcp://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
