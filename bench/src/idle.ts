// Opens idle WebSocket connections and holds them: `node --import tsx src/idle.ts PORT [tcp]`
// (`tcp`: plain TCP connections, no handshake, for the TCP echo server).
// It reads commands on stdin, one per line: `open N` opens connections until N are open and
// answers `open N` once they are; the benchmark then reads the server's memory. It ends when
// stdin closes.
import { createInterface } from 'node:readline';
import { openConnection, openMany } from './connections.ts';

const port = Number(process.argv[2]);
const websocket = process.argv[3] !== 'tcp';
// Connections opened at a time: enough to be quick, few enough for the server's accept queue.
const AT_ONCE = 100;

let open = 0;
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const wanted = Number(/^open (\d+)$/.exec(line)?.[1] ?? Number.NaN);
  if (!Number.isInteger(wanted)) continue;
  await openMany(open, wanted, AT_ONCE, async (index) => {
    const { socket } = await openConnection(port, { websocket, index });
    socket.on('error', () => {});
    // Keep reading (a greeting, pings), as a real idle client would.
    socket.resume();
    return socket;
  });
  open = Math.max(open, wanted);
  console.log(`open ${open}`);
}
process.exit(0);
