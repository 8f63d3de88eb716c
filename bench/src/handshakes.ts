// Opening handshakes per second: `node --import tsx src/handshakes.ts '<json config>'`. Keeps
// `concurrency` connections being opened at any time: each connects, sends its upgrade request,
// waits for the 101, and ends its side of TCP; then the next starts. Prints one line of JSON.
//
// The client does as little as it can, so that the server, not the client, sets the rate: the
// request is made once, and the answer is only looked at for its status line. (Both share the
// machine's two cores; a client that parsed every header would take about as much time per
// handshake as the server.)
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { upgradeRequest } from 'shared';
import { measuredWindow, printResult } from './connections.ts';

export interface HandshakeConfig {
  port: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface HandshakeResult {
  handshakes: number;
  seconds: number;
}

async function run(config: HandshakeConfig): Promise<HandshakeResult> {
  const { request } = upgradeRequest({ host: `127.0.0.1:${config.port}`, path: '/ws' });
  let measuring = false;
  let stopped = false;
  let handshakes = 0;
  const worker = async () => {
    while (!stopped) {
      // No source address of our own: the kernel may then reuse the ports that the
      // connections closed a moment ago keep waiting (TIME_WAIT) - thousands a second here.
      const socket = connect({ port: config.port, host: '127.0.0.1' });
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(request);
      const answer = await firstChunk(socket);
      if (!answer.startsWith('HTTP/1.1 101 ')) throw new Error(`not a 101: ${answer.slice(0, 40)}`);
      if (measuring) handshakes += 1;
      socket.resume();
      socket.end();
    }
  };
  const workers = Array.from({ length: config.concurrency }, worker);
  const seconds = await measuredWindow(config, (on) => {
    measuring = on;
  });
  stopped = true;
  await Promise.all(workers);
  return { handshakes, seconds };
}

/** The first bytes the server sends: the status line of its answer comes whole in them. */
async function firstChunk(socket: Socket): Promise<string> {
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString('latin1', 0, 64);
}

// The config comes as JSON in the first argument; the result goes out as one line of JSON.
printResult(run(JSON.parse(process.argv[2] ?? '{}') as HandshakeConfig));
